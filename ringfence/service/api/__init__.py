"""The JSON API under ``/api/v1``, one router per area; every route calls one view."""

from __future__ import annotations

from fastapi import APIRouter

from ringfence.service.api import (
    admin,
    cases,
    codes,
    complaints,
    data,
    ingest,
    investigate,
    listings,
    mappings,
    session,
    sharing,
    shipments,
)
from ringfence.service.context import API_PREFIX


def api_router() -> APIRouter:
    """Every JSON route, mounted under ``/api/v1``."""
    router = APIRouter(prefix=API_PREFIX)
    for module in (
        session,
        shipments,
        data,
        ingest,
        mappings,
        sharing,
        admin,
        cases,
        codes,
        listings,
        complaints,
        investigate,
    ):
        router.include_router(module.router)
    return router
