"""Browser tests: the app served by uvicorn on loopback over a small prepared world, driven by
Debian's chromium through Playwright (sync API).

The world, the server and the browser are built once per session; each test gets a fresh
browser context (no cookies), so tests log in as whoever they need.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ringfence.service.context import DERIVED
from tests.conftest import missing_service
from tests.web.pagecheck import use_screenshot_dir
from tests.web.queues import ExtraQueue, write_long_queue
from tests.worlds import PreparedWorld, prepare_world

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # a container's small /dev/shm must not starve a renderer
]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SERVER_START_SECONDS = 30.0
WARM_SECONDS = 180.0


@pytest.fixture(scope="session", autouse=True)
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder ``check_page`` writes screenshots to: ``RINGFENCE_TEST_SCREENSHOTS``, else
    ``screenshots/`` in this run's pytest temporary directory."""
    path = tmp_path_factory.getbasetemp() / "screenshots"
    use_screenshot_dir(path)
    return path


@pytest.fixture(scope="session")
def web_database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The operational store of the browser tests: SQLite in the data directory by default, a
    fresh PostgreSQL schema (dropped afterwards) when RINGFENCE_TEST_DATABASE=postgres."""
    if os.environ.get("RINGFENCE_TEST_DATABASE", "sqlite").strip().lower() != "postgres":
        yield None
        return
    from sqlalchemy import text

    admin = request.getfixturevalue("postgres_admin")
    schema = f"rf_web_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def web_world(
    tmp_path_factory: pytest.TempPathFactory, web_database_url: str | None
) -> PreparedWorld:
    """The prepared world every browser test shares (about 10 seconds to build)."""
    data_dir = tmp_path_factory.mktemp("web-world") / "data"
    return prepare_world(data_dir, database_url=web_database_url)


@pytest.fixture(scope="session")
def live_app(web_world: PreparedWorld) -> Any:
    """The app the test server serves, built as ``ringfence serve`` builds it (warm)."""
    from ringfence.service.app import create_app

    return create_app(web_world.settings, warm=True)


@pytest.fixture(scope="session")
def live_server(live_app: Any) -> Iterator[str]:
    """The service (API + web UI) on a free loopback port, in a background thread."""
    import uvicorn

    app = live_app
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start", pytrace=False)
        time.sleep(0.05)
    # The derived indexes are built in the background at start-up; the first page waiting for
    # them on a busy machine would outlast the browser's timeouts.
    while not app.state.services.is_built(*DERIVED) and time.monotonic() < deadline + WARM_SECONDS:
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """The one Playwright driver of the session (its sync API cannot be started twice)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch_chromium(playwright: Any, extra_args: tuple[str, ...] = ()) -> Any:
    """Headless Debian chromium (RINGFENCE_TEST_CHROMIUM or /usr/bin/chromium), with
    ``extra_args`` after the usual flags.

    ``launch`` gives every run a fresh temporary profile (user-data-dir), removed on close.
    """
    executable = os.environ.get("RINGFENCE_TEST_CHROMIUM", DEFAULT_CHROMIUM)
    if not Path(executable).is_file():
        missing_service(f"chromium not found at {executable} (set RINGFENCE_TEST_CHROMIUM)")
    args = [*CHROMIUM_ARGS, *extra_args]
    return playwright.chromium.launch(executable_path=executable, headless=True, args=args)


@pytest.fixture(scope="session")
def browser(playwright_driver: Any) -> Iterator[Any]:
    """The session's browser (``launch_chromium``)."""
    launched = launch_chromium(playwright_driver)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies) whose relative URLs hit the server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def script_errors(page: Any) -> list[str]:
    """Uncaught JavaScript errors of ``page`` (filled as the test runs)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture(scope="session")
def long_queue(web_world: PreparedWorld, live_server: str) -> ExtraQueue:
    """A 20-task list for the customs officer's organisation on an earlier free date (the
    default queue other tests use is untouched). Tests that record outcomes on it use their own
    rows: layout 0-4, conflict 5, undo and change 6-7, keyboard 8-9, seizure form 10-11."""
    del live_server  # written once the server (and its store) is up
    officer = web_world.login("customs", "officer")
    return write_long_queue(web_world, officer.organisation)
