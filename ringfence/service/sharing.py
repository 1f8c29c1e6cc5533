"""The sharing policy engine: what each organisation may read, row by row and field by field.

An organisation always reads everything it supplied. It reads another organisation's rows only
through a live sharing agreement (owner → recipient, dataset, fields, optional row filter), and
then only the agreed fields. Every view reads data through ``read`` (lake datasets) or
``visible`` (rows from the operational store); both end in ``Policy.visible``, the single place
where rows are filtered and fields projected, so no view can bypass the policy.

Row filters map a field to a value or a list of values; two placeholders make standing
agreements possible: ``$recipient`` (the recipient's slug — a carrier sees holds on its own
parcels with ``{"shipment_organisation": "$recipient"}``) and ``$recipient_brands`` (the brand
names and aliases of the recipient's approved brand registrations — a brand sees seizures of its
own goods with ``{"brand": "$recipient_brands"}``).

Rows several organisations own (resolved entities) are decided per field: a co-owner's grant
shares only what that co-owner's own records hold (``Policy._shared_row``).

The gate lives in three modules, all reachable from here: ``datasets`` (what the policy governs),
``policy`` (``Policy``, ``Grant``: the gate itself) and ``lake_reads`` (reading through it).
"""

from __future__ import annotations

from ringfence.service.datasets import (
    _LAKE_SQL,
    _NEEDS,
    _OUTCOME_SQL,
    DATASETS,
    DatasetSpec,
    dataset,
)
from ringfence.service.lake_reads import (
    LakeQuery,
    lake_session,
    query_lake,
    read,
    read_entities,
    sql_list,
    sql_text,
    visible,
)
from ringfence.service.policy import (
    ALL_FIELDS,
    PARTS,
    RECIPIENT,
    RECIPIENT_BRANDS,
    Consent,
    Grant,
    Policy,
    recipient_brands,
)

__all__ = [
    "ALL_FIELDS",
    "DATASETS",
    "PARTS",
    "RECIPIENT",
    "RECIPIENT_BRANDS",
    "_LAKE_SQL",
    "_NEEDS",
    "_OUTCOME_SQL",
    "Consent",
    "DatasetSpec",
    "Grant",
    "LakeQuery",
    "Policy",
    "dataset",
    "lake_session",
    "query_lake",
    "read",
    "read_entities",
    "recipient_brands",
    "sql_list",
    "sql_text",
    "visible",
]
