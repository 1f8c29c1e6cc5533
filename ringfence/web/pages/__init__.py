"""The HTML pages, one module per area; each route calls one backend view and renders it."""

from __future__ import annotations

from fastapi import APIRouter

from ringfence.web.pages import (
    admin,
    auth,
    brand,
    cases,
    dashboard,
    ingest,
    investigate,
    market,
    profiles,
    queue,
    records,
    screening,
)

PAGE_MODULES = (
    auth, dashboard, ingest, profiles, queue, records, screening, investigate, cases, admin, market,
    brand,
)  # fmt: skip


def pages_router() -> APIRouter:
    """One router holding every page's routes."""
    router = APIRouter(include_in_schema=False)
    for module in PAGE_MODULES:
        router.include_router(module.router)
    return router
