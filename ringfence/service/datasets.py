"""The datasets the sharing policy governs (``sharing``): each one's rows, owners and keys, and
the SQL that derives the lake's outcome-like datasets (outcomes with their shipment's owner and
origin; seizures)."""

from __future__ import annotations

from dataclasses import dataclass

from ringfence.errors import UserError
from ringfence.model.feeds import feeds


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset the policy governs: where its rows come from and whose they are."""

    name: str
    description: str
    owner_field: str = "organisation"  # a list field for datasets several organisations supply
    key_fields: tuple[str, ...] = ("id", "organisation")  # always visible with any visible row
    owners_are_list: bool = False


# Rows of outcome-like datasets carry their shipment's owner and origin, so agreements can
# filter on them (a carrier's own parcels) and dashboards can group by them.
_OUTCOME_SQL = (
    "SELECT o.*, s.organisation AS shipment_organisation, s.origin_country, s.port "
    "FROM outcomes o LEFT JOIN shipments s ON s.id = o.shipment_ref"
)
_LAKE_SQL = {
    "outcomes": _OUTCOME_SQL,
    "seizures": f"SELECT * FROM ({_OUTCOME_SQL}) WHERE result = 'seized' AND positive",
}
_NEEDS = {"outcomes": ("outcomes", "shipments"), "seizures": ("outcomes", "shipments")}
# The shipment's fields those rows carry: the shipment owner's values, not the outcome's owner's.
SHIPMENT_OWNER = "shipment_organisation"
SHIPMENT_FIELDS = ("origin_country", "port")


def _specs() -> dict[str, DatasetSpec]:
    specs = {name: DatasetSpec(name, f"the {name} feed") for name in feeds()}
    specs["quarantine"] = DatasetSpec("quarantine", "rows refused at ingest, with reasons")
    specs["field_problems"] = DatasetSpec(
        "field_problems", "values of accepted rows that did not clean at ingest, with reasons"
    )
    specs["seizures"] = DatasetSpec(
        "seizures", "positive seizure outcomes (feed and recorded), with the shipment's origin"
    )
    specs["inspection_tasks"] = DatasetSpec("inspection_tasks", "the inspection queue")
    specs["recorded_outcomes"] = DatasetSpec(
        "recorded_outcomes", "inspection outcomes recorded in the service"
    )
    specs["cases"] = DatasetSpec("cases", "investigations: items, notes, evidence and custody")
    specs["code_scans"] = DatasetSpec(
        "code_scans", "scans of brands' signed unit codes by customs, carriers and marketplaces"
    )
    specs["listing_actions"] = DatasetSpec(
        "listing_actions", "a marketplace's holds, take-downs and suspensions, and their ends"
    )
    specs["listing_reviews"] = DatasetSpec(
        "listing_reviews", "a marketplace's analyst review queue of listings"
    )
    specs["pageview_measure"] = DatasetSpec(
        "pageview_measure",
        "a marketplace's page views with no valid complaint, per day and brand (the measure)",
    )
    specs["brand_complaints"] = DatasetSpec(
        "brand_complaints", "notices a brand filed against listings, with their outcomes"
    )
    specs["received_complaints"] = DatasetSpec(
        "received_complaints",
        "brands' notices a marketplace received against its listings, with their outcomes",
        owner_field="marketplace",
        key_fields=("id", "marketplace"),
    )
    specs["entities"] = DatasetSpec(
        "entities",
        "resolved entities (with network risk); owned by every organisation that mentions one",
        owner_field="organisations",
        key_fields=("entity_id",),
        owners_are_list=True,
    )
    return specs


DATASETS: dict[str, DatasetSpec] = _specs()


def dataset(name: str) -> DatasetSpec:
    """The spec of dataset ``name``; ``UserError`` naming the known ones otherwise."""
    if name not in DATASETS:
        raise UserError(f"unknown dataset {name!r}; use one of {', '.join(sorted(DATASETS))}")
    return DATASETS[name]
