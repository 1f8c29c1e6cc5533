"""Red team R1, as the attacker ran it: from the server's own host (uvicorn believes
X-Forwarded-For from 127.0.0.1 by default) 12 wrong passwords for one account, each with
another X-Forwarded-For, were 12 × 401 and never 429: login throttling counts per client
address, and the address was the attacker's to pick. Which proxies are believed is now the
setting RINGFENCE_FORWARDED_ALLOW_IPS, handed to uvicorn: with no proxy (empty) the header is
ignored and the guesses are throttled after the account limit."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ringfence.service import app as service_app
from ringfence.settings import Settings


async def _client_address(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.client.host if request.client else "")


async def _addresses_seen(trusted: str) -> list[str]:
    """What the service would count as the client's address for spoofed headers from 127.0.0.1,
    through uvicorn's own proxy-header handling configured as ``serve_app`` configures it."""
    config = uvicorn.Config(
        Starlette(routes=[Route("/", _client_address)]),
        proxy_headers=True,
        forwarded_allow_ips=trusted,
    )
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://ringfence") as client:
        return [
            (await client.get("/", headers={"X-Forwarded-For": f"203.0.113.{i}"})).text
            for i in range(3)
        ]


def _run(trusted: str) -> list[str]:
    """``_addresses_seen`` on a thread of its own: a browser test's session-wide Playwright may
    hold this worker's main-thread event loop, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _addresses_seen(trusted)).result()


def test_serve_passes_the_trusted_proxies_to_uvicorn(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(service_app, "create_app", lambda settings, warm=False: object())
    settings = Settings(data_dir=tmp_path, forwarded_allow_ips="")
    service_app.serve_app(settings, port=8999)
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == ""


def test_untrusted_forwarded_for_does_not_change_the_address() -> None:
    assert _run("") == ["127.0.0.1"] * 3  # one address: throttled
    # The default believes a proxy on the same host, which may name any client.
    assert _run(Settings().forwarded_allow_ips) == [
        f"203.0.113.{i}" for i in range(3)
    ]
