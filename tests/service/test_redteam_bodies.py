"""Red team leftovers of issue 15: an outcome body's misspelt key (``brnad``) was dropped in
silence, so a seizure went on record without its brand; a brand or note could carry a U+202E
right-to-left override that makes the stored text read backwards on every page that shows it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"
RLO = "\u202e"


def _body_schemas(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every JSON request body's schema by ``METHOD path``, references resolved."""
    components = spec.get("components", {}).get("schemas", {})
    found = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            ref = schema.get("$ref", "")
            found[f"{method.upper()} {path}"] = components.get(ref.rsplit("/", 1)[-1], schema)
    return found


def test_every_json_body_refuses_keys_it_does_not_know(scratch_client: TestClient) -> None:
    bodies = _body_schemas(scratch_client.get("/openapi.json").json())
    assert len(bodies) >= 8, sorted(bodies)  # outcomes, cases, sharing, brands, screening, ...
    lax = [
        route for route, schema in bodies.items() if schema.get("additionalProperties") is not False
    ]
    assert not lax, f"request bodies that drop unknown keys: {lax}"


def test_a_misspelt_outcome_field_is_refused_and_nothing_recorded(
    scratch_client: TestClient, scratch_world: World
) -> None:
    headers = scratch_world.headers("customs-nl", "officer")
    task = scratch_world.tasks["customs-nl"][0]
    body = {"positive": True, "result": "seized", "brnad": "Lumina", "units": 2}
    refused = scratch_client.post(f"{API}/queue/{task}/outcome", json=body, headers=headers)
    assert refused.status_code == 422 and "brnad" in refused.text
    with OperationalStore.open(scratch_world.settings) as store:
        assert not [o for o in store.recorded_outcomes("customs-nl") if o.task_id == task]


@pytest.mark.parametrize("mark", [RLO, "\u2066", "\x00", "\x1b"])
def test_control_and_bidi_characters_are_refused_in_text(
    scratch_client: TestClient, scratch_world: World, mark: str
) -> None:
    headers = scratch_world.headers("customs-nl", "officer")
    task = scratch_world.tasks["customs-nl"][1]
    seizure = {"positive": True, "result": "seized", "brand": f"Lumi{mark}na", "units": 1}
    refused = scratch_client.post(f"{API}/queue/{task}/outcome", json=seizure, headers=headers)
    assert refused.status_code == 422 and f"U+{ord(mark):04X}" in refused.text
    titled = scratch_client.post(f"{API}/cases", json={"title": f"fdp{mark}.exe"}, headers=headers)
    assert titled.status_code == 422


def test_right_to_left_scripts_and_line_breaks_stay_welcome(
    scratch_client: TestClient, scratch_world: World
) -> None:
    headers = scratch_world.headers("customs-nl", "officer")
    opened = scratch_client.post(f"{API}/cases", json={"title": "ساعات مقلدة"}, headers=headers)
    assert opened.status_code == 201, opened.text
    note = {"text": "بائع في دبي\nseller in Dubai\t(two lines)"}
    added = scratch_client.post(
        f"{API}/cases/{opened.json()['id']}/notes", json=note, headers=headers
    )
    assert added.status_code == 200, added.text
    assert added.json()["notes"][-1]["text"] == note["text"]
