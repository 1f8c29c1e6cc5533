"""Screen a party (name and identifiers) against resolved entities and the watchlist."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, Field

from ringfence.resolve.screen.clean import EXACT_FIELDS, clean_query, clean_stored
from ringfence.resolve.screen.index import (
    MAX_EXACT_CANDIDATES,
    NAME_CANDIDATES,
    SCRIPT_CANDIDATES,
)
from ringfence.resolve.screen.scoring import _LABELS as SCREEN_LABELS
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.paging import newest_passing
from ringfence.service.views.body import RequestBody


class ScreenRequest(RequestBody):
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


# Every candidate the index's pool can hold for one query (names, other scripts, and each exact
# identifier's hits): screening scores them all anyway, the limit only cuts the answer.
POOL = NAME_CANDIDATES + SCRIPT_CANDIDATES + len(EXACT_FIELDS) * MAX_EXACT_CANDIDATES

# The request's fields that are identifiers (compared only with values the caller may read).
IDENTIFIER_KEYS = frozenset(
    {"phone", "email", "identifier", "bank_account", "street", "city", "postcode"}
)


class ScreenMatch(BaseModel):
    """One entity the party may be, with why."""

    entity_id: str
    name: str | None
    score: float
    watchlisted: bool | None = None
    network_risk: float | None = None
    reasons: list[str] = []


# A match is "likely" when the party is more likely than not the entity; weaker candidates are
# still listed (scripts may rely on them) but the page folds them away below the likely ones.
LIKELY_MATCH = 0.5


class ScreenResponse(BaseModel):
    """Matches the caller may see, best first; the first ``likely`` of them score at least
    ``likely_threshold`` (none: no likely match, the rest are weak candidates)."""

    query: ScreenRequest
    matches: list[ScreenMatch]
    likely: int = Field(default=0, description="how many matches score >= likely_threshold")
    likely_threshold: float = LIKELY_MATCH


def screen(services: Services, caller: Caller, body: ScreenRequest) -> ScreenResponse:
    """Screen ``body`` and keep only entities (and their fields) the caller may read.

    The query's identifiers (phone, e-mail, identifier, bank account, address) are compared
    only with the values of the entity the caller may read (its own records, granted fields):
    the index's own comparisons, made over every organisation's records, are taken out of the
    score and the reasons and replaced by those. Otherwise screening would confirm (or deny)
    identifiers their owner does not share (red team F2).
    """
    index = services.screening_index()
    query = body.model_dump(exclude={"limit"}, exclude_none=True)
    # The limit counts only matches the caller may read: the best ``3 x limit`` of every
    # organisation's entities, gated after, let others' entities push the caller's own out
    # and told how many rank above them. Without identifiers the best are read on until
    # ``limit`` pass the gate (``newest_passing``); with them, rescoring reorders the
    # candidates, so the whole pool is read (the index scores it all anyway).
    asked = [f for f in index.exact if f in clean_query(query)]
    if asked:
        found = index.screen(query, limit=POOL)
        matches = _with_readable_identifiers(services, caller, index, query, asked, found, POOL)
    else:
        matches = newest_passing(lambda n: index.screen(query, limit=n),
                                 lambda rows: _plain(services, caller, rows), body.limit,
                                 POOL)  # fmt: skip
    kept = matches[: body.limit]
    likely = sum(1 for m in kept if m.score >= LIKELY_MATCH)
    return ScreenResponse(query=body, matches=kept, likely=likely)


def _plain(services: Services, caller: Caller, found: list[Any]) -> list[ScreenMatch]:
    """Matches of a query without identifiers: the entity fields the policy leaves (the
    in-memory owner index keeps this path fast)."""
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
    return [
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


def _with_readable_identifiers(
    services: Services,
    caller: Caller,
    index: Any,
    query: dict[str, Any],
    asked: list[str],
    found: list[Any],
    pool: int,
) -> list[ScreenMatch]:
    """Matches scored with identifier evidence from readable values only; an entity found
    only through identifiers the caller may not read is left out."""
    plain = {k: v for k, v in query.items() if k not in IDENTIFIER_KEYS}
    by_name = index.screen(plain, limit=pool) if clean_query(plain) else []
    seen = {m.entity_id for m in found}
    found = found + [m for m in by_name if m.entity_id not in seen]
    named = {m.entity_id: m for m in by_name}
    policy = sharing.Policy.load(services, caller)
    readable = _readable_entities(services, caller, policy, [m.entity_id for m in found])
    clean = clean_query(query)
    matches = []
    for match in found:
        row = readable.get(match.entity_id)
        if row is None:
            continue
        evidence = _evidence(clean, asked, row)
        if match.entity_id not in named and not any(evidence.values()):
            continue
        # The same query without identifiers scores the rest of the evidence exactly.
        score, reasons = _rescored(index, named.get(match.entity_id, match), asked, evidence)
        matches.append(
            ScreenMatch(
                entity_id=match.entity_id,
                name=row.get("name"),
                score=score,
                watchlisted=row.get("watchlisted"),
                network_risk=row.get("network_risk"),
                reasons=reasons,
            )
        )
    return sorted(matches, key=lambda m: -m.score)


def _readable_entities(
    services: Services, caller: Caller, policy: sharing.Policy, entity_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Entity id → the entity's row as the policy gate lets the caller read it."""
    if not entity_ids:
        return {}
    rows = sharing.read_entities(services, caller, sorted(set(entity_ids)), policy=policy)
    return {str(r["entity_id"]): r for r in rows}


def _evidence(clean: dict[str, str], asked: list[str], row: dict[str, Any]) -> dict[str, bool]:
    """Per asked identifier: True (a readable value is the same), False (readable values, none
    the same); fields the caller may not read, or with no value, are left out."""
    out: dict[str, bool] = {}
    for field in asked:
        values = row.get(EXACT_FIELDS[field]) or []
        cleaned = {clean_stored(field, str(v)) for v in values} - {None}
        if cleaned:
            out[field] = clean[field] in cleaned
    return out


def _rescored(
    index: Any, match: Any, asked: list[str], evidence: dict[str, bool]
) -> tuple[float, list[str]]:
    """The match's score and reasons with the index's identifier comparisons replaced by
    ``evidence`` (same weights as the index: ``<field>_exact`` and ``<field>_else`` bits)."""
    weights = index.weights
    p = min(max(float(match.score), 1e-9), 1 - 1e-9)
    bits = math.log2(p / (1 - p))
    words = {f: SCREEN_LABELS.get(f, f) for f in asked}
    kept = []
    for reason in match.reasons:
        field = next((f for f in asked if reason in _field_reasons(words[f])), None)
        if field is None:
            kept.append(reason)
        elif reason.endswith(" identical"):
            bits -= getattr(weights, f"{field}_exact")
        else:
            bits -= getattr(weights, f"{field}_else")
    shown = [f"{words[f]} identical" for f in asked if evidence.get(f) is True]
    shown += [f"{words[f]} differs" for f in asked if evidence.get(f) is False]
    for field, same in evidence.items():
        bits += getattr(weights, f"{field}_exact" if same else f"{field}_else")
    return round(1.0 / (1.0 + 2.0 ** (-bits)), 4), shown + kept


def _field_reasons(word: str) -> tuple[str, str]:
    return (f"{word} identical", f"{word} differs")


def _entity_owners(services: Services, entity_ids: list[str]) -> dict[str, list[str]]:
    """Which organisations each entity's mentions come from (the entity's owners)."""
    index = services.entity_owners()
    return {e: index.get(e, []) for e in entity_ids}
