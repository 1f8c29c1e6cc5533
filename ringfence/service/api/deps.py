"""Typed FastAPI dependencies every router uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from ringfence.service.context import Caller, Services, get_services, require_caller

ServicesDep = Annotated[Services, Depends(get_services)]
CallerDep = Annotated[Caller, Depends(require_caller)]
# Every integer id in a path (jobs, tasks, agreements, outcomes) is a positive 32-bit integer:
# anything else is 422, never a store overflow (500) on ids such as 99999999999999999999.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

# Documented once for every authenticated route's OpenAPI entry.
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or invalid credentials"},
    403: {"description": "not granted (role, CSRF or sharing policy)"},
    404: {"description": "not found, or not visible to the caller's organisation"},
}
