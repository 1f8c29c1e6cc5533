"""The application factory: the JSON API, health and metrics endpoints, and the web UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from pydantic import BaseModel

from ringfence.service import metrics
from ringfence.service.api import api_router
from ringfence.service.context import Services
from ringfence.service.errors import install_error_handlers
from ringfence.service.headers import SecurityHeadersMiddleware
from ringfence.service.jobs import JobRunner
from ringfence.service.limits import BodyLimitMiddleware
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

DESCRIPTION = """Ringfence's multi-organisation API. Authenticate with an API key
(`Authorization: Bearer <key>` or `X-API-Key`) or a session cookie from `POST /api/v1/session`
(writes then need the `X-CSRF-Token` header). Every response holds only data your organisation
supplied or was granted by a sharing agreement."""


class Health(BaseModel):
    """Whether the service and its operational store answer."""

    status: str
    store: str
    schema_revision: str | None


def create_app(settings: Settings | None = None, *, warm: bool = False) -> FastAPI:
    """A ready FastAPI app over the stores ``settings`` name (migrating the operational store).

    With ``warm`` (a served app) the derived indexes are built in a background thread as the
    server starts, so the first shipment or entity page does not wait seconds for them."""
    settings = settings or Settings()
    store = OperationalStore.open(settings)
    services = Services(settings=settings, store=store)
    services.jobs = JobRunner(services)
    services.jobs.recover()  # jobs a killed server left running are closed, staging cleaned

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm:  # and again after each ingest: a page never waits for a stale index
            services.warm_in_background()
        yield
        services.jobs.shutdown()
        store.close()

    from ringfence import __version__

    app = FastAPI(
        title="Ringfence", version=__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.services = services
    app.add_middleware(metrics.MetricsMiddleware)
    # Added last, so run first: sizes are checked before anything reads a body.
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    app.include_router(api_router())
    _operational_routes(app)
    _install_web(app)
    return app


def _operational_routes(app: FastAPI) -> None:
    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        """Checks the operational store answers (503 with the reason if it does not)."""
        services: Services = app.state.services
        revision = services.store.current_revision()
        return Health(status="ok", store=_public_url(services.store.display_url),
                      schema_revision=revision)  # fmt: skip

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def prometheus() -> Response:
        """Prometheus metrics: requests by route and status, latency, jobs."""
        return metrics.metrics_response()


def _public_url(url: str) -> str:
    """The store as health checks (which answer anyone) show it: a SQLite file by name, not by
    location; any other store by its kind (``postgresql``), never its host, port, user,
    database or schema (red team H1; in the server log only, as for store errors)."""
    if url.startswith("sqlite:"):
        return "sqlite:///" + url.replace("\\", "/").rsplit("/", 1)[-1]
    return url.split(":", 1)[0].split("+", 1)[0]


def _install_web(app: FastAPI) -> None:
    """Mount the web UI: HTML pages that render the same views as the JSON API."""
    # Imported here, not at module top: the UI imports the service's views and context.
    from ringfence.web import install

    install(app)


def app_from_environment() -> FastAPI:
    """The app over ``Settings()`` from the environment (uvicorn's factory for worker processes)."""
    return create_app(Settings(), warm=True)


WORKER_HEALTHCHECK_SECONDS = 120


def serve_app(
    settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1
) -> None:
    """Run the app with uvicorn until interrupted (``ringfence serve``, the demo's last step).

    With several ``workers`` each process builds its own app from the environment, so
    ``settings`` must be what ``Settings()`` reads there (as it is for ``ringfence serve``).
    """
    import uvicorn

    # proxy_headers lets a TLS-terminating proxy's X-Forwarded-Proto mark cookies Secure and its
    # X-Forwarded-For name the client (login throttling counts per client address) — believed
    # only from the proxies RINGFENCE_FORWARDED_ALLOW_IPS names, or anyone could pick an address.
    options = {
        "host": host, "port": port, "proxy_headers": True, "log_level": "warning",
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }  # fmt: skip
    if workers > 1:
        target = "ringfence.service.app:app_from_environment"
        # A worker builds its app (heavy imports, the store) before it answers the supervisor's
        # health pings; on busy cores that takes longer than uvicorn's 5 s, and it would kill
        # and restart healthy workers in a loop.
        uvicorn.run(
            target,
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            **options,  # type: ignore[arg-type]
        )
    else:
        uvicorn.run(create_app(settings, warm=True), **options)  # type: ignore[arg-type]
