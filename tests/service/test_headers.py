"""Security headers on every response and formula-safe CSV cells (issue 15, finding 12)."""

from __future__ import annotations

import csv
import io

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ringfence.service.exports import FORMULA_TRIGGERS, csv_text, neutralise_cell
from tests.service.test_limits_ids import _api_routes
from tests.service.world import OUTSIDER, World

API = "/api/v1"


def _check(response: object, path: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path
    assert headers.get("x-content-type-options") == "nosniff", path
    assert headers.get("x-frame-options") == "DENY", path
    assert headers.get("referrer-policy") == "no-referrer", path
    if path.startswith("/static/"):
        assert headers.get("cache-control") != "no-store", path
    else:
        assert headers.get("cache-control") == "no-store", path


def test_every_get_route_carries_the_headers(
    app: FastAPI, client: TestClient, world: World
) -> None:
    """Every GET route without path parameters, as a logged-in caller and anonymously."""
    paths = [
        p for p, r in _api_routes(list(app.routes)) if "GET" in (r.methods or ()) and "{" not in p
    ]
    assert len(paths) >= 10
    for path in paths:
        for headers in (world.headers(OUTSIDER), {}):
            _check(client.get(path, headers={**headers, "Accept": "text/html"}), path)


def test_errors_refusals_and_static_files_carry_the_headers(
    client: TestClient, world: World
) -> None:
    auth = world.headers(OUTSIDER)
    cases = {
        "/no-such-page": client.get("/no-such-page"),
        f"{API}/jobs/0": client.get(f"{API}/jobs/0", headers=auth),  # 422
        f"{API}/me": client.get(f"{API}/me"),  # 401
        f"{API}/screen": client.post(f"{API}/screen", content=b"x" * (2 << 20), headers=auth),
        "/static/js/app.js": client.get("/static/js/app.js"),
    }
    assert cases[f"{API}/screen"].status_code == 413
    for path, response in cases.items():
        _check(response, path)


def test_docs_page_gets_its_own_policy(client: TestClient) -> None:
    response = client.get("/docs")
    assert "https://cdn.jsdelivr.net" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_formula_cells_are_neutralised() -> None:
    attacks = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1",
               "\r=1"]  # fmt: skip
    for cell in attacks:
        assert neutralise_cell(cell) == "'" + cell
    for value, shown in [("-3", "-3"), ("+49", "+49"), ("1e-5", "1e-5"), (-3, "-3"), (None, "")]:
        assert neutralise_cell(value) == shown
    rows = list(csv.reader(io.StringIO(csv_text(["name", "=bad"], [["=1+2", 4], ["ok", None]]))))
    assert rows == [["name", "'=bad"], ["'=1+2", "4"], ["ok", ""]]


@given(st.text())
def test_no_cell_can_start_a_formula(text: str) -> None:
    cell = neutralise_cell(text)
    if cell.startswith(FORMULA_TRIGGERS):
        assert cell.isascii()
        float(cell)  # only a plain (ASCII) number may start with a sign
    assert cell == text or cell == "'" + text


def test_hsts_only_over_https(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/healthz").headers
    secure = TestClient(client.app, base_url="https://testserver")
    assert secure.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"


def test_no_response_shows_the_servers_paths(
    app: FastAPI, client: TestClient, world: World
) -> None:
    """Pages and JSON name files, never where the server keeps them (its data directory)."""
    data_dir = str(world.settings.data_dir.resolve())
    headers = world.headers("customs-nl", "admin")
    routes = _api_routes(list(app.routes))
    paths = [p for p, r in routes if "GET" in (r.methods or ()) and "{" not in p]
    queue = client.get(f"{API}/queue", params={"status": "all"}, headers=headers).json()
    for task in queue["tasks"][:3]:
        paths += [f"{API}/shipments/{task['shipment_id']}", f"/shipments/{task['shipment_id']}"]
    jobs = client.get(f"{API}/jobs", headers=headers).json()["jobs"]
    paths += [f"{API}/jobs/{j['id']}" for j in jobs[:3]]
    paths += [f"/ingest/jobs/{j['id']}" for j in jobs[:3]]
    leaks = [p for p in paths if data_dir in client.get(p, headers=headers).text]
    assert not leaks, leaks
