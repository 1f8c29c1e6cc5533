"""Cases as JSON: the shapes the CLI's ``--json``, the API and the pages share."""

from __future__ import annotations

from typing import Any

from ringfence.store.operational import OperationalStore
from ringfence.store.operational.case_tables import Case
from ringfence.store.operational.cases import CUSTODY_ACTIONS


def case_summary(case: Case) -> dict[str, Any]:
    """One line of a case list."""
    return {
        "id": case.id,
        "organisation": case.organisation,
        "title": case.title,
        "status": case.status,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


def case_dict(store: OperationalStore, case_id: str) -> dict[str, Any]:
    """A case with its items, notes, evidence (each with its chain of custody) and history."""
    case, items, notes, evidence = store.case_contents(case_id)
    history = store.case_history(case_id)
    custody: dict[int, list[dict[str, Any]]] = {}
    for entry in history:
        if entry.action in CUSTODY_ACTIONS:
            custody.setdefault(int(entry.detail.get("evidence", -1)), []).append(
                {
                    "seq": entry.seq,
                    "at": entry.at.isoformat(),
                    "by": entry.actor,
                    "from": entry.detail.get("from"),
                    "to": entry.detail.get("to"),
                    "why": entry.detail.get("why"),
                }
            )
    return {
        **case_summary(case),
        "items": [
            {
                "kind": i.kind,
                "ref": i.ref,
                "note": i.note,
                "added_by": i.added_by,
                "added_at": i.added_at.isoformat(),
            }
            for i in items
        ],
        "notes": [
            {"id": n.id, "text": n.text, "author": n.author, "at": n.at.isoformat()} for n in notes
        ],
        "evidence": [
            {
                "id": e.id,
                "sha256": e.sha256,
                "file_name": e.file_name,
                "kind": e.kind,
                "size": e.size,
                "description": e.description,
                "custodian": e.custodian,
                "added_by": e.added_by,
                "added_at": e.added_at.isoformat(),
                "custody": custody.get(e.id, []),
            }
            for e in evidence
        ],
        "history": [
            {
                "seq": h.seq,
                "at": h.at.isoformat(),
                "action": h.action,
                "by": h.actor,
                "detail": h.detail,
            }
            for h in history
        ],
    }
