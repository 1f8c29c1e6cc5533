"""Entity search: by name (the screening index, so typos and transliterations find the entity),
by identifier (phone, e-mail, registration or tax number, bank account), by country and schema.

Every candidate is read through the policy gate before it is shown or filtered: a country or
identifier the caller may not read neither matches nor filters, so a search cannot be used to
learn a value an agreement withholds (the identifier is compared with the gated row's values).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from ringfence.investigate.names import readable_names, rescore
from ringfence.model.records.parties import PARTY_SCHEMAS
from ringfence.resolve.screen.clean import EXACT_FIELDS, clean_query, clean_stored
from ringfence.resolve.screen.index import NAME_CANDIDATES, SCRIPT_CANDIDATES
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody

IDENTIFIER_FIELDS = ("phone", "email", "identifier", "bank_account")
# Names score in (0, 1); below this a candidate shares too little of the name to list.
MIN_NAME_SCORE = 0.05
SCREENED = NAME_CANDIDATES + SCRIPT_CANDIDATES  # every candidate the index's name pool holds
MAX_SCANNED = 5_000  # entities looked at by a search without a name or identifier


class SearchQuery(RequestBody):
    """What to look for; at least one of name, identifier, country and schema."""

    name: str | None = Field(default=None, max_length=300)
    identifier: str | None = Field(default=None, max_length=320)
    country: str | None = Field(default=None, max_length=2, pattern=r"^[A-Za-z]{2}$")
    schema_: str | None = Field(default=None, alias="schema", max_length=20)
    limit: int = Field(default=25, ge=1, le=100)

    @model_validator(mode="after")
    def _something(self) -> SearchQuery:
        if self.schema_ is not None and self.schema_ not in PARTY_SCHEMAS:
            raise ValueError(f"schema must be one of {', '.join(PARTY_SCHEMAS)}")
        if not any((self.name, self.identifier, self.country, self.schema_)):
            raise ValueError("give a name, an identifier, a country or a schema")
        return self


class SearchHit(BaseModel):
    """One entity found, with why."""

    entity_id: str
    name: str | None = None
    schema_: str | None = Field(default=None, serialization_alias="schema")
    country: str | None = None
    watchlisted: bool | None = None
    mention_count: int | None = None
    score: float | None = None
    matched: list[str] = []


class SearchResult(BaseModel):
    """The hits the caller may see, best first."""

    query: dict[str, Any]
    hits: list[SearchHit]


def search(services: Services, caller: Caller, query: SearchQuery) -> SearchResult:
    """Entities matching ``query`` that the caller may read, best first."""
    candidates: dict[str, tuple[float | None, list[str]]] = {}
    index = services.screening_index()
    if query.name:
        # The index's whole candidate pool, not the best few: those the caller may not read
        # are dropped after, and must not push out the ones it may (nor tell they exist).
        for m in index.screen({"name": query.name}, limit=SCREENED):
            if m.score >= MIN_NAME_SCORE:
                candidates[m.entity_id] = (round(float(m.score), 4), list(m.reasons)[:3])
    wanted_ids: dict[str, set[str]] = {}
    if query.identifier:
        wanted_ids = _identifier_values(query.identifier)
        found = _by_identifier(index, wanted_ids)
        if query.name:
            candidates = {e: v for e, v in candidates.items() if e in found}
        else:
            candidates = {e: (None, []) for e in found}
    if not query.name and not query.identifier:
        candidates = {e: (None, []) for e in _scan(services, query)}
    policy = sharing.Policy.load(services, caller)
    rows = sharing.read_entities(services, caller, list(candidates), policy=policy)
    if query.name:  # judged again on the names the caller may read (names.py)
        seen = readable_names(services, caller, policy, rows)
        candidates = {
            e: got
            for e, got in rescore(index, query.name, rows, seen).items()
            if got[0] >= MIN_NAME_SCORE and e in candidates
        }
    hits = []
    for row in rows:
        matched = _matches(row, query, wanted_ids)
        if matched is None or str(row["entity_id"]) not in candidates:
            continue
        score, reasons = candidates[str(row["entity_id"])]
        hits.append(
            SearchHit(
                entity_id=str(row["entity_id"]),
                name=row.get("name"),
                schema_=row.get("schema"),
                country=row.get("country"),
                watchlisted=row.get("watchlisted"),
                mention_count=row.get("mention_count"),
                score=score,
                matched=reasons + matched,
            )
        )
    hits.sort(key=lambda h: (-(h.score or 0.0), -(h.mention_count or 0), h.entity_id))
    shown = query.model_dump(by_alias=True, exclude_none=True, exclude={"limit"})
    return SearchResult(query=shown, hits=hits[: query.limit])


def _identifier_values(raw: str) -> dict[str, set[str]]:
    """The identifier as each identifier field would store it (a phone, an e-mail, a code)."""
    out: dict[str, set[str]] = {}
    for field in IDENTIFIER_FIELDS:
        cleaned = clean_query({field: raw}).get(field)
        if cleaned:
            out[field] = {cleaned}
    return out


def _by_identifier(index: Any, wanted: dict[str, set[str]]) -> set[str]:
    """Entities whose records hold the identifier in some field (checked again, gated)."""
    found: set[str] = set()
    for field, values in wanted.items():
        for value in values:
            found |= {index.entity_ids[i] for i in index.exact[field].get(value)[:MAX_SCANNED]}
    return found


def _scan(services: Services, query: SearchQuery) -> list[str]:
    """Entity ids by country and schema alone (from the in-memory entity table; the gated
    rows are filtered again), most mentioned first."""
    table = services.entity_table().rows
    if not table.num_rows or "entity_id" not in table.column_names:
        return []
    cols = table.select(
        [c for c in ("entity_id", "country", "schema", "mention_count") if c in table.column_names]
    ).to_pylist()
    kept = [
        r
        for r in cols
        if (not query.country or str(r.get("country") or "").upper() == query.country.upper())
        and (not query.schema_ or r.get("schema") == query.schema_)
    ]
    kept.sort(key=lambda r: -(r.get("mention_count") or 0))
    return [str(r["entity_id"]) for r in kept[:MAX_SCANNED]]


def _matches(
    row: dict[str, Any], query: SearchQuery, wanted: dict[str, set[str]]
) -> list[str] | None:
    """Why the gated ``row`` matches the filters (None: it does not, as the caller sees it)."""
    why: list[str] = []
    if query.country:
        if str(row.get("country") or "").upper() != query.country.upper():
            return None
        why.append(f"country {query.country.upper()}")
    if query.schema_:
        if row.get("schema") != query.schema_:
            return None
        why.append(query.schema_)
    if query.identifier:
        fields = [
            f
            for f, values in wanted.items()
            if values & {clean_stored(f, str(v)) for v in row.get(EXACT_FIELDS[f]) or []}
        ]
        if not fields:
            return None
        why += [f"{f.replace('_', ' ')} identical" for f in fields]
    return why
