"""Case service functions the CLI and the API share: checks that need the lake or the vault."""

from __future__ import annotations

from pathlib import Path

from ringfence.cases.vault import store_file
from ringfence.errors import NotFoundError, UserError
from ringfence.service.views.body import odd_character
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.case_tables import EVIDENCE_KINDS, CaseEvidence, CaseItem
from ringfence.store.operational.cases import one_of, text

# Where each kind of case item lives in the lake, and the column holding its id.
ITEM_SOURCES = {
    "entity": ("entity_mentions", "entity_id"),
    "shipment": ("shipments", "id"),
    "listing": ("listings", "id"),
    "seller": ("sellers", "id"),
}


def item_exists(settings: Settings, kind: str, ref: str) -> bool:
    """Whether the lake holds a ``kind`` (entity, shipment, listing, seller) with id ``ref``."""
    dataset, column = ITEM_SOURCES[kind]
    lake = Lake(settings)
    if not lake.has(dataset):
        return False
    engine = open_engine(settings)
    try:
        lake.register(engine, dataset)
        escaped = ref.replace("'", "''")
        found = engine.query(f"SELECT 1 FROM {dataset} WHERE {column} = '{escaped}' LIMIT 1")
        return found.num_rows > 0
    finally:
        engine.close()


def add_item(
    settings: Settings,
    store: OperationalStore,
    case_id: str,
    kind: str,
    ref: str,
    *,
    actor: str,
    note: str | None = None,
) -> tuple[CaseItem, bool]:
    """Add an item the lake holds to a case (``NotFoundError`` for an unknown id)."""
    store.case(case_id)
    if kind in ITEM_SOURCES and not item_exists(settings, kind, ref.strip()):
        raise NotFoundError(f"no {kind} {ref.strip()!r} in the lake")
    return store.add_case_item(case_id, kind, ref, actor=actor, note=note)


def add_evidence_file(
    settings: Settings,
    store: OperationalStore,
    case_id: str,
    path: Path,
    *,
    kind: str,
    custodian: str,
    actor: str,
    description: str | None = None,
    file_name: str | None = None,
) -> CaseEvidence:
    """Store ``path`` content-addressed and record it with its first custodian; ``file_name``
    is the name to record (an upload's own name, without folders; default: ``path``'s)."""
    store.case(case_id)
    name = Path(file_name.replace("\\", "/")).name if file_name else path.name
    # Checked before the file is stored, so a refused upload leaves no orphan in the vault.
    one_of(kind, EVIDENCE_KINDS, "the evidence kind")
    text(custodian, "the custodian", "who")
    for what, value in (("the file name", name), ("the custodian", custodian)):
        if (odd := odd_character(value)) is not None:  # "gpj\u202e.exe" shows as "exe.jpg"
            raise UserError(
                f"{what} contains a control or bidirectional character (U+{ord(odd):04X})"
            )
    sha, size = store_file(settings, path, settings.max_upload_bytes)
    return store.add_evidence(
        case_id,
        sha256=sha,
        size=size,
        file_name=name or "evidence",
        kind=kind,
        actor=actor,
        custodian=custodian,
        description=description,
    )
