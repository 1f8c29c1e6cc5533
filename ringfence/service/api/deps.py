"""Typed FastAPI dependencies every router uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from ringfence.service.context import Caller, Services, get_services, require_caller

ServicesDep = Annotated[Services, Depends(get_services)]
CallerDep = Annotated[Caller, Depends(require_caller)]

# Documented once for every authenticated route's OpenAPI entry.
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or invalid credentials"},
    403: {"description": "not granted (role, CSRF or sharing policy)"},
    404: {"description": "not found, or not visible to the caller's organisation"},
}
