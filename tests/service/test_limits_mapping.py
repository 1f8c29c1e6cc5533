"""An upload's ``mapping`` cannot reach the server's files (issue 15, finding 1).

Probed as an analyst would: server paths, traversal, another organisation's mapping, a path to a
real mapping file. Every such name gets one and the same refusal (no existence oracle, nothing
of any file echoed), is audited, and leaves no upload file; a mapping registered for the
caller's organisation works by name.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.ingest.mapping import SHIPPED_MAPPINGS
from ringfence.ingest.registry import register_mapping
from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from tests.service.world import OUTSIDER, World

API = "/api/v1"
PARTIES_MAPPING = """feed: parties
key: [Ref]
fields:
  name: {column: Company}
  country: {column: Land}
"""
SECRET = "top-secret-value-42"


@pytest.fixture(scope="module")
def mapped(scratch_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The service over a private world; the outsider and another organisation each have a
    registered mapping, and the data directory holds a YAML 'config' with a secret in it."""
    settings = scratch_world.settings
    folder = tmp_path_factory.mktemp("mappings")
    source = folder / "mine.yaml"
    source.write_text(PARTIES_MAPPING)
    register_mapping(settings, OUTSIDER, "outsider-crm", source, "test")
    other = next(o for o in scratch_world.organisations if o != OUTSIDER)
    register_mapping(settings, other, "their-crm", source, "test")
    (settings.data_dir / "config.yaml").write_text(f"feed: parties\npassword: {SECRET}\n")
    application = create_app(settings)
    yield application
    application.state.services.jobs.shutdown()
    application.state.services.store.close()


def _upload(client: TestClient, world: World, mapping: str, web: bool = False) -> Any:
    body = b"Ref,Company,Land\nr1,Mapped Co,DE\n"
    files = {"file": ("crm.csv", io.BytesIO(body), "text/csv")}
    data = {"feed": "parties", "mapping": mapping}
    url = "/ingest" if web else f"{API}/uploads"
    return client.post(url, data=data, files=files, headers=world.headers(OUTSIDER))


def _files(app: FastAPI) -> set[Path]:
    uploads = app.state.services.settings.data_dir / "uploads"
    return {p for p in uploads.glob("**/*") if p.is_file()}


def _refusals(world: World) -> int:
    with OperationalStore.open(world.settings) as store:
        entries = store.audit_entries()
    return sum(1 for e in entries if e.action == "upload.refused" and e.organisation == OUTSIDER)


def test_server_paths_and_foreign_mappings_get_one_refusal(
    mapped: FastAPI, scratch_world: World
) -> None:
    client = TestClient(mapped, raise_server_exceptions=False)
    data_dir = scratch_world.settings.data_dir
    probes = [
        "/etc/passwd",
        "/etc/shadow",
        "/etc/no-such-file",
        "../../../../../../etc/passwd",
        str(data_dir / "config.yaml"),
        str(data_dir / "ringfence.sqlite"),
        str(SHIPPED_MAPPINGS / "kcs-declarations.yaml"),  # a real mapping, but as a path
        "kcs-declarations.yaml",
        "their-crm",  # another organisation's registered mapping
        "no-such-mapping",
        "config",
    ]
    before_files, before_audit = _files(mapped), _refusals(scratch_world)
    messages = set()
    for probe in probes:
        response = _upload(client, scratch_world, probe)
        assert response.status_code == 400, (probe, response.text)
        message = response.json()["error"]["message"]
        assert SECRET not in message and "root:" not in message and str(data_dir) not in message
        messages.add(message.replace(repr(probe), "NAME").replace("'given'", "NAME"))
    assert len(messages) == 1, messages  # the same answer, whatever exists
    assert _files(mapped) == before_files
    assert _refusals(scratch_world) == before_audit + len(probes)
    web = _upload(client, scratch_world, "/etc/passwd", web=True)
    assert web.status_code == 400 and "not one your organisation may use" in web.text
    assert "root:" not in web.text and "/etc/passwd" not in web.text
    assert _files(mapped) == before_files


def test_a_registered_mapping_works_by_name(mapped: FastAPI, scratch_world: World) -> None:
    client = TestClient(mapped, raise_server_exceptions=False)
    response = _upload(client, scratch_world, "outsider-crm")
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    mapped.state.services.jobs.wait(job_id, timeout=120)
    job = client.get(f"{API}/jobs/{job_id}", headers=scratch_world.headers(OUTSIDER)).json()
    assert job["status"] == "done", job
    summary = job["result"]["summary"]["files"][0]
    assert summary["accepted"] == 1 and summary["mapping"] == "outsider-crm.yaml"
    shipped = _upload(client, scratch_world, "kcs-declarations")  # shipped, wrong feed: clear
    assert shipped.status_code == 202
    mapped.state.services.jobs.wait(shipped.json()["id"], timeout=120)
    failed = client.get(
        f"{API}/jobs/{shipped.json()['id']}", headers=scratch_world.headers(OUTSIDER)
    )
    assert failed.json()["status"] == "failed"
    assert "shipments feed" in failed.json()["message"] and "/" not in failed.json()["message"]


BILLION_LAUGHS = """feed: parties
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
fields: {name: Company}
"""


def _register(client: TestClient, world: World, name: str, text: str, role: str = "admin") -> Any:
    files = {"file": ("m.yaml", io.BytesIO(text.encode()), "application/yaml")}
    headers = world.headers(OUTSIDER, role)
    return client.post(f"{API}/mappings", data={"name": name}, files=files, headers=headers)


def test_admins_register_mappings_through_the_api(mapped: FastAPI, scratch_world: World) -> None:
    client = TestClient(mapped, raise_server_exceptions=False)
    data_dir = str(scratch_world.settings.data_dir)
    created = _register(client, scratch_world, "api-crm", PARTIES_MAPPING)
    assert created.status_code == 201, created.text
    assert created.json()["feed"] == "parties" and created.json()["registered"]
    listed = client.get(f"{API}/mappings", headers=scratch_world.headers(OUTSIDER)).json()
    assert "api-crm" in [m["name"] for m in listed]
    assert _upload(client, scratch_world, "api-crm").status_code == 202
    refusals = [
        (_register(client, scratch_world, "../../etc/x", PARTIES_MAPPING), 422),
        (_register(client, scratch_world, "kcs-declarations", PARTIES_MAPPING), 409),
        (_register(client, scratch_world, "laughs", BILLION_LAUGHS), 400),
        (_register(client, scratch_world, "bad", PARTIES_MAPPING + "  colour: Land\n"), 400),
        (_register(client, scratch_world, "huge", "#" * 300_000), 413),
    ]
    for response, status in refusals:
        assert response.status_code == status, response.text
        assert data_dir not in response.text
    assert "aliases" in refusals[2][0].json()["error"]["message"]
    assert "bad.yaml" in refusals[3][0].json()["error"]["message"]
    with OperationalStore.open(scratch_world.settings) as store:
        actions = [e.action for e in store.audit_entries() if e.organisation == OUTSIDER]
    assert actions.count("mapping.refused") >= 4 and "mapping.register" in actions
    other_roles = [r for (o, r) in scratch_world.keys if o == OUTSIDER and r != "admin"]
    for role in other_roles:
        assert _register(client, scratch_world, "x-crm", PARTIES_MAPPING, role).status_code == 403
