"""The service world (tests/service) for the measure as the service shows it."""

from __future__ import annotations

from tests.service.conftest import (  # noqa: F401 - fixtures
    app,
    built_lake,
    client,
    world,
    world_database_url,
)
