"""Correcting a recorded outcome (with a reason) and undoing one just recorded.

A change rewrites what the outcome says in the operational store and audits the old values with
the reason. Once ``ringfence outcomes sync`` has copied an outcome into the lake as a label, the
lake's record is not rewritten by a change here, so such an outcome is refused (409) rather than
leaving the store and the training labels saying different things.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ringfence.errors import ConflictError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody
from ringfence.service.views.queue import MAX_UNITS, MAX_VALUE, OutcomeOut, outcome_out
from ringfence.store.operational.outcomes import MAX_REASON


class OutcomeChangeIn(RequestBody):
    """What an inspection found after all, and why the recorded outcome was wrong."""

    positive: bool
    result: Literal["clear", "seized", "irregular", "released", "not_found"]
    reason: str = Field(min_length=3, max_length=MAX_REASON, description="why it changes")
    goods_found: str | None = Field(default=None, max_length=500)
    brand: str | None = Field(default=None, max_length=200)
    units: int | None = Field(default=None, ge=0, le=MAX_UNITS)
    value: float | None = Field(default=None, ge=0, le=MAX_VALUE, allow_inf_nan=False)
    currency: str | None = Field(default=None, max_length=3)
    notes: str | None = Field(default=None, max_length=2000)


def _refuse_if_synced(services: Services, caller: Caller, outcome_id: int) -> None:
    key = sharing.sql_text(f"recorded-{outcome_id}")
    own = sharing.sql_text(caller.organisation)
    where = f"source_key = {key} AND organisation = {own}"
    if sharing.read(services, caller, "outcomes", where=where):
        raise ConflictError(
            f"outcome {outcome_id} is already a training label (copied by `ringfence outcomes "
            "sync`), and the lake's labels are not rewritten from here"
        )


def change_outcome(
    services: Services, caller: Caller, outcome_id: int, body: OutcomeChangeIn
) -> OutcomeOut:
    """Correct outcome ``outcome_id`` of the caller's organisation (officers, admins; audited)."""
    caller.require_role("officer", "admin")
    _refuse_if_synced(services, caller, outcome_id)
    details = body.model_dump(exclude={"positive", "result", "reason"}, exclude_none=True)
    changed = services.store.change_outcome(
        caller.organisation,
        outcome_id,
        positive=body.positive,
        result=body.result,
        details=details,
        reason=body.reason,
        actor=caller.actor,
    )
    return outcome_out(changed, caller)


def undo_outcome(services: Services, caller: Caller, outcome_id: int) -> OutcomeOut:
    """Withdraw an outcome the caller recorded seconds ago; its task is open again (audited)."""
    caller.require_role("officer", "admin")
    withdrawn = services.store.undo_outcome(caller.organisation, outcome_id, actor=caller.actor)
    return outcome_out(withdrawn, caller)
