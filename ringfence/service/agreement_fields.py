"""The fields each shareable dataset's rows have, so an agreement naming any other is refused.

An agreement's ``fields`` and ``row_filter`` keys are matched against row keys by the policy
gate. A misspelt field (``emial``) or a filter on a field the rows do not have would otherwise be
stored and silently share nothing (or, for a filter, admit nothing): the owner believes it shared
what it did not. ``check_agreement`` refuses such an agreement with a ``UserError`` naming the
field and the dataset's fields; the API, the web page and ``ringfence sharing grant`` call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from ringfence.errors import UserError
from ringfence.ingest.staging import QUARANTINE_SCHEMA
from ringfence.model.feeds import feeds
from ringfence.service.sharing import ALL_FIELDS, dataset

# What outcome-like rows carry beside the outcomes feed's fields (``sharing._OUTCOME_SQL``), and
# what rows of outcomes recorded in the service add (``views.seizures.recorded_rows``).
_SHIPMENT_FACTS = ("shipment_organisation", "origin_country", "port")
_RECORDED = ("recorded_by", "task_id")
# Columns of the entities dataset (``resolve.pipeline.ENTITIES_SQL``) and its network risk.
_ENTITY_FIELDS = (
    "entity_id", "schema", "name", "country", "phones", "emails", "identifiers", "bank_accounts",
    "addresses", "mention_count", "organisations", "watchlisted", "network_risk",
)  # fmt: skip

# A case as the API shows it (``cases.views.case_dict``).
_CASE_FIELDS = (
    "id", "organisation", "title", "status", "opened_by", "opened_at", "updated_at", "items",
    "notes", "evidence", "history",
)  # fmt: skip


@cache
def dataset_fields(name: str) -> frozenset[str]:
    """The field names rows of dataset ``name`` have (``UserError`` for an unknown dataset)."""
    dataset(name)
    if name in feeds():
        found: set[str] = {f.name for f in feeds()[name].fields}
    elif name in ("quarantine", "field_problems"):
        found = set(QUARANTINE_SCHEMA.names)
    elif name == "entities":
        found = set(_ENTITY_FIELDS)
    elif name == "cases":
        found = set(_CASE_FIELDS)
    elif name == "code_scans":
        from ringfence.store.operational.code_tables import SCAN_FIELDS

        found = set(SCAN_FIELDS)
    elif name in ("listing_actions", "listing_reviews"):
        from ringfence.store.operational.listing_tables import ACTION_FIELDS, REVIEW_FIELDS

        found = set(ACTION_FIELDS if name == "listing_actions" else REVIEW_FIELDS)
    elif name in ("brand_complaints", "received_complaints"):
        from ringfence.store.operational.complaint_tables import COMPLAINT_FIELDS

        found = set(COMPLAINT_FIELDS)
    elif name == "pageview_measure":
        from ringfence.service.views.pageviews import PageViewDay

        found = {"id", *PageViewDay.model_fields}
    elif name == "inspection_tasks":
        from ringfence.service.views.queue import TASK_FIELDS

        found = set(TASK_FIELDS)
    else:  # seizures, recorded_outcomes: outcome rows, from the feed or recorded here
        found = {f.name for f in feeds()["outcomes"].fields} | {"id", "organisation"}
        found |= {*_RECORDED, "date"}
    if name in ("outcomes", "seizures", "recorded_outcomes"):
        found |= set(_SHIPMENT_FACTS)
    return frozenset(found)


def _unknown(names: Iterable[str], name: str, what: str) -> None:
    known = dataset_fields(name)
    for field in names:
        if field not in known:
            raise UserError(
                f"{what} {field!r} is not a field of {name}; its fields are: "
                + ", ".join(sorted(known))
            )


def check_agreement(name: str, fields: Iterable[str], row_filter: Mapping[str, Any]) -> None:
    """Refuse (``UserError``, naming it) a field or row filter key that rows of dataset ``name``
    do not have; ``'*'`` stands for every field."""
    _unknown((f for f in fields if f != ALL_FIELDS), name, "field")
    _unknown(row_filter, name, "row filter field")
