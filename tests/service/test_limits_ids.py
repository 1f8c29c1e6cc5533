"""Ids and numbers out of range are refused, never a 500 (issue 15, finding 11).

The route-table test walks every route of the app (API and web pages, today's and tomorrow's), so
a new route with an unchecked integer id fails here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from tests.service.world import OUTSIDER, World

API = "/api/v1"
HUGE = "99999999999999999999"
PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")


def _int_params(route: APIRoute) -> set[str]:
    return {f.name for f in route.dependant.path_params if f.field_info.annotation is int}


def _api_routes(routes: list[Any], prefix: str = "") -> list[tuple[str, APIRoute]]:
    """Every ``APIRoute`` with its full path, through included routers."""
    found: list[tuple[str, APIRoute]] = []
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            inner = prefix + (getattr(route.include_context, "prefix", "") or "")
            found += _api_routes(route.original_router.routes, inner)
        elif isinstance(route, APIRoute):
            found.append((prefix + route.path, route))
    return found


def _routes_with_ids(app: FastAPI) -> list[tuple[str, str, set[str]]]:
    found = []
    for path, route in _api_routes(list(app.routes)):
        if PARAM.search(path):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, path, _int_params(route)))
    return found


def test_every_route_refuses_huge_and_negative_ids(
    app: FastAPI, client: TestClient, world: World
) -> None:
    routes = _routes_with_ids(app)
    assert sum(1 for _, _, ints in routes if ints) >= 6  # the walk found the integer ids
    headers = {**world.headers(OUTSIDER), "Accept": "text/html,application/json"}
    problems = []
    for method, template, ints in routes:
        for bad in (HUGE, "-1", "0", "1e3", "%00"):
            path = PARAM.sub(lambda _, bad=bad: bad, template)  # type: ignore[misc]
            form = {"positive": "true", "result": "clear"} if method == "POST" else None
            status = client.request(method, path, headers=headers, data=form).status_code
            # The API answers 422; the web pages render validation errors as a 400 page.
            expected = {422} if path.startswith(API) else {400, 422}
            if status >= 500 or (ints and bad == HUGE and status not in expected):
                problems.append(f"{method} {path}: {status}")
    assert not problems, problems


def test_job_page_with_a_huge_id(client: TestClient, world: World) -> None:
    headers = {**world.headers(OUTSIDER), "Accept": "text/html"}
    for path in (f"/ingest/jobs/{HUGE}", f"/ingest/jobs/{HUGE}/quarantine"):
        response = client.get(path, headers=headers)
        assert response.status_code == 400 and "less than or equal" in response.text, path
    assert client.get(f"{API}/jobs/{HUGE}", headers=headers).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        b'{"positive": true, "result": "seized", "value": 1e309}',
        b'{"positive": true, "result": "seized", "value": NaN}',
        b'{"positive": true, "result": "seized", "units": 1180591620717411303424}',
        b'{"positive": true, "result": "seized", "value": -1}',
    ],
)
def test_outcome_numbers_out_of_range(client: TestClient, world: World, body: bytes) -> None:
    task = world.tasks[OUTSIDER][0] if world.tasks.get(OUTSIDER) else 1
    headers = {**world.headers(OUTSIDER, "admin"), "content-type": "application/json"}
    response = client.post(f"{API}/queue/{task}/outcome", content=body, headers=headers)
    assert response.status_code == 422, response.text


def test_outcome_form_numbers_out_of_range(client: TestClient, world: World) -> None:
    task = world.tasks[OUTSIDER][0] if world.tasks.get(OUTSIDER) else 1
    headers = world.headers(OUTSIDER, "admin")
    for field, value in (("value", "1e309"), ("units", str(2**70)), ("value", "inf")):
        form = {"positive": "true", "result": "seized", field: value}
        response = client.post(f"/queue/{task}/outcome", data=form, headers=headers)
        assert response.status_code in (400, 422), (field, value, response.status_code)


@pytest.fixture(scope="module")
def scratch_app(scratch_world: World) -> Iterator[FastAPI]:
    """The service over a private copy of the world (these tests write to it)."""
    application = create_app(scratch_world.settings)
    yield application
    application.state.services.jobs.shutdown()
    application.state.services.store.close()


@pytest.mark.parametrize(
    "name",
    [
        "p" * 300 + ".csv",
        "é" * 200 + ".csv.gz",
        "../../../../etc/cron.d/evil.csv",
        "a\x00b.csv",
        'x"><script>alert(1)</script>.csv',
    ],
)
def test_odd_upload_file_names_are_stored_safely(
    scratch_app: FastAPI, scratch_world: World, name: str
) -> None:
    import gzip

    app, world = scratch_app, scratch_world
    client = TestClient(app, raise_server_exceptions=False)

    body = b"party_id,name\np-odd-name,Odd Name Ltd\n"
    if name.endswith(".gz"):
        body = gzip.compress(body)
    response = client.post(
        f"{API}/uploads",
        data={"feed": "parties"},
        files={"file": (name, io.BytesIO(body), "text/csv")},
        headers=world.headers(OUTSIDER),
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    app.state.services.jobs.wait(job_id, timeout=120)
    job: dict[str, Any] = client.get(f"{API}/jobs/{job_id}", headers=world.headers(OUTSIDER)).json()
    assert job["status"] == "done", job  # never left queued
    folder = app.state.services.settings.data_dir / "uploads" / f"job-{job_id}"
    stored = [p.name for p in folder.iterdir()]
    assert len(stored) == 1 and len(stored[0].encode()) <= 150
    assert stored[0].endswith(".csv.gz" if name.endswith(".gz") else ".csv")
    assert re.fullmatch(r"[\w.\- ]+", stored[0]) and "/" not in stored[0]


def test_an_upload_that_cannot_be_stored_fails_its_job(
    scratch_app: FastAPI, scratch_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that refuses the file (full, name too long) fails the job, never leaves it queued."""
    import errno

    from ringfence.service import jobs as jobs_module

    def full_disk(*_: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jobs_module.shutil, "move", full_disk)
    client = TestClient(scratch_app, raise_server_exceptions=False)
    headers = scratch_world.headers(OUTSIDER)
    response = client.post(
        f"{API}/uploads",
        data={"feed": "parties"},
        files={"file": ("full.csv", io.BytesIO(b"party_id,name\np,x\n"), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 503
    assert "No space left on device" in response.json()["error"]["message"]
    newest = client.get(f"{API}/jobs", headers=headers).json()["jobs"][0]
    assert newest["status"] == "failed" and "could not be stored" in newest["message"]
