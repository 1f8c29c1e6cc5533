"""Mappings an organisation's uploads may name: listing them, and registering one (admins).

Registering through the API does what ``ringfence mapping register`` does for the operator:
the YAML is validated as an ingest would, stored under the caller's organisation and audited;
a refused registration is audited too. The mapping is sent as a file and named by a slug: no
path is ever taken from the request.
"""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from ringfence.errors import LimitError, UserError
from ringfence.ingest.registry import MAX_MAPPING_BYTES, NAME, register_mapping
from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.context import Caller, Services
from ringfence.service.redact import public_message
from ringfence.service.views.ingest_choices import MappingChoice, mapping_choices
from ringfence.store.leftovers import owned_name

router = APIRouter(responses=ERRORS, tags=["ingest"])


@router.get("/mappings", response_model=list[MappingChoice])
def mappings(caller: CallerDep, services: ServicesDep) -> list[MappingChoice]:
    """The mapping names your organisation's uploads may give: registered, then shipped."""
    return mapping_choices(services.settings, caller.organisation)


@router.post("/mappings", response_model=MappingChoice, status_code=201)
async def register(
    caller: CallerDep,
    services: ServicesDep,
    name: Annotated[str, Form(pattern=NAME.pattern, max_length=64)],
    file: Annotated[UploadFile, File(description="the mapping YAML (docs/mappings.md)")],
) -> MappingChoice:
    """Register a mapping for your organisation's uploads under ``name`` (admins; audited)."""
    caller.require_role("admin")
    text = await file.read(MAX_MAPPING_BYTES + 1)
    return await run_in_threadpool(_register, services, caller, name, text)


def _register(services: Services, caller: Caller, name: str, text: bytes) -> MappingChoice:
    folder = services.settings.data_dir / "tmp" / owned_name("mapping-")
    try:
        if len(text) > MAX_MAPPING_BYTES:
            raise LimitError(f"a mapping may be at most {MAX_MAPPING_BYTES} bytes")
        folder.mkdir(parents=True)
        source = folder / f"{name}.yaml"
        source.write_bytes(text)
        register_mapping(services.settings, caller.organisation, name, source, caller.actor)
    except UserError as exc:
        exc.message = public_message(exc.message)  # the file is named, not located
        detail = {"name": name, "reason": exc.message}
        services.store.audit("mapping.refused", caller.actor, caller.organisation, detail)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    chosen = mapping_choices(services.settings, caller.organisation)
    return next(m for m in chosen if m.name == name and m.registered)
