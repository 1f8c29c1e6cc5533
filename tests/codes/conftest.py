"""The service tests' world fixtures, for the code routes' tests."""

from tests.service.conftest import built_lake, scratch_world  # noqa: F401 - fixtures
