"""``case verify``: re-hash every evidence file, walk each item's chain of custody, check the
audit chain. Tampering with a stored file, a custody row or an audit entry shows up here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ringfence.cases.vault import sha256_of, stored_path
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.audit import AuditEntry
from ringfence.store.operational.cases import CUSTODY_ACTIONS


@dataclass
class CaseCheck:
    """What ``verify_case`` found: one line per problem; ``ok`` when there is none."""

    case: str
    evidence: int = 0
    custody_steps: int = 0
    audit_entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON."""
        return {
            "case": self.case,
            "ok": self.ok,
            "evidence": self.evidence,
            "custody_steps": self.custody_steps,
            "audit_entries": self.audit_entries,
            "problems": self.problems,
        }


def verify_case(settings: Settings, store: OperationalStore, case_id: str) -> CaseCheck:
    """Check case ``case_id`` (``NotFoundError`` if there is none)."""
    _, _, _, evidence = store.case_contents(case_id)
    history = store.case_history(case_id)
    chain = store.verify_audit()
    check = CaseCheck(case_id, evidence=len(evidence), audit_entries=chain.entries)
    check.problems += [f"audit chain: {p}" for p in chain.problems]
    steps: dict[int, list[AuditEntry]] = {}
    for entry in history:
        if entry.action in CUSTODY_ACTIONS:
            steps.setdefault(int(entry.detail.get("evidence", -1)), []).append(entry)
    for item in evidence:
        label = f"evidence {item.id} ({item.file_name})"
        path = stored_path(settings, item.sha256)
        if not path.is_file():
            check.problems.append(f"{label}: the stored file is missing")
        elif (found := sha256_of(path)) != item.sha256:
            check.problems.append(
                f"{label}: the stored file's SHA-256 is {found}, not {item.sha256} as recorded"
            )
        check.problems += _custody_problems(
            label, item.sha256, item.custodian, steps.get(item.id, [])
        )
        check.custody_steps += len(steps.get(item.id, []))
    return check


def _custody_problems(
    label: str, sha256: str, custodian: str, steps: list[AuditEntry]
) -> list[str]:
    """Breaks in one item's chain of custody, as recorded on the audit chain."""
    if not steps or steps[0].action != "evidence.add":
        return [f"{label}: its chain of custody does not start with its collection"]
    problems, holder = [], None
    for step in steps:
        if step.detail.get("sha256") != sha256:
            problems.append(f"{label}: audit entry {step.seq} names another file hash")
        if step.detail.get("from") != holder:
            problems.append(
                f"{label}: audit entry {step.seq} hands it over from "
                f"{step.detail.get('from')!r}, but {holder!r} held it"
            )
        holder = step.detail.get("to")
    if holder != custodian:
        problems.append(
            f"{label}: recorded custodian {custodian!r} is not the last one on "
            f"the chain ({holder!r})"
        )
    return problems
