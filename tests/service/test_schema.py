"""schemathesis against the OpenAPI document: generated requests to every operation, as an
admin of a customs organisation, never get a 500. Runs on a private copy of the world, since it
writes (agreements, keys, outcomes, uploads) at random."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from ringfence.service.app import create_app
from tests.service.world import World

MAX_EXAMPLES = 8  # per operation: bounded so the whole run stays well under a minute


@pytest.fixture(scope="module")
def scratch_app(scratch_world: World) -> Iterator[FastAPI]:
    application = create_app(scratch_world.settings)
    application.state.scratch_world = scratch_world
    yield application
    application.state.services.jobs.shutdown()
    application.state.services.store.close()


def _operations(app: FastAPI) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_errors(scratch_app: FastAPI) -> None:
    """Every operation, ``MAX_EXAMPLES`` generated cases each: no 5xx, errors in one shape.

    Driven through hypothesis directly (``operation.as_strategy()``): schemathesis' pytest
    plugin does not run on this pytest version.
    """
    world: World = scratch_app.state.scratch_world
    headers = world.headers("customs-nl", "admin")
    operations = _operations(scratch_app)
    assert len(operations) >= 20  # the whole API, not an empty schema

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.text}"
            if response.status_code >= 400 and response.content:
                assert "error" in response.json(), f"{where}: {response.text}"

        no_server_error()
