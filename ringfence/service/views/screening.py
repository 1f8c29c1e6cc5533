"""Screen a party (name and identifiers) against resolved entities and the watchlist."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ringfence.service import sharing
from ringfence.service.context import Caller, Services


class ScreenRequest(BaseModel):
    """The party to screen: a name and whatever identifiers are known."""

    name: str = Field(min_length=1, max_length=300)
    country: str | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, max_length=60)
    email: str | None = Field(default=None, max_length=320)
    identifier: str | None = Field(default=None, max_length=80)
    bank_account: str | None = Field(default=None, max_length=80)
    street: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    postcode: str | None = Field(default=None, max_length=20)
    limit: int = Field(default=10, ge=1, le=50)


class ScreenMatch(BaseModel):
    """One entity the party may be, with why."""

    entity_id: str
    name: str | None
    score: float
    watchlisted: bool | None = None
    network_risk: float | None = None
    reasons: list[str] = []


class ScreenResponse(BaseModel):
    """Matches the caller may see, best first."""

    query: ScreenRequest
    matches: list[ScreenMatch]


def screen(services: Services, caller: Caller, body: ScreenRequest) -> ScreenResponse:
    """Screen ``body`` and keep only entities (and their fields) the caller may read."""
    index = services.screening_index()
    query = body.model_dump(exclude={"limit"}, exclude_none=True)
    # Over-fetch: some of the best matches may be entities the caller is not granted.
    found = index.screen(query, limit=body.limit * 3)
    owners = _entity_owners(services, [m.entity_id for m in found])
    by_id = {m.entity_id: m for m in found}
    rows = [
        {
            "entity_id": m.entity_id,
            "name": m.name,
            "watchlisted": m.watchlisted,
            "network_risk": m.network_risk,
            "organisations": owners.get(m.entity_id, []),
        }
        for m in found
    ]
    # Score and reasons compare the caller's own query with the entity, so they stay; the
    # entity's own fields are whatever the policy leaves.
    matches = [
        ScreenMatch(
            entity_id=row["entity_id"],
            name=row.get("name"),
            score=float(by_id[row["entity_id"]].score),
            watchlisted=row.get("watchlisted"),
            network_risk=row.get("network_risk"),
            reasons=list(by_id[row["entity_id"]].reasons),
        )
        for row in sharing.visible(services, caller, "entities", rows)
    ]
    return ScreenResponse(query=body, matches=matches[: body.limit])


def _entity_owners(services: Services, entity_ids: list[str]) -> dict[str, list[str]]:
    """Which organisations each entity's mentions come from (the entity's owners)."""
    index = services.entity_owners()
    return {e: index.get(e, []) for e in entity_ids}
