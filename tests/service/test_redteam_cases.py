"""Red team, cases: evidence uploads are multipart forms, not JSON bodies, so the upload's file
name, custodian and kind escaped the control- and bidi-character check every JSON body has. A
photo uploaded as ``"gpj\u202e.exe"`` was listed in the case, its custody and the referral
bundle reading ``exe.jpg``; a NUL in the custodian failed the write on PostgreSQL; a terminal
escape reached ``ringfence case show``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"
OWNER = "customs-nl"
JPEG = b"\xff\xd8 seized goods"


@pytest.fixture(scope="module")
def case_path(scratch_client: TestClient, scratch_world: World) -> str:
    opened = scratch_client.post(f"{API}/cases", json={"title": "Upload probe"},
                                 headers=scratch_world.headers(OWNER))  # fmt: skip
    assert opened.status_code == 201, opened.text
    return f"{API}/cases/{opened.json()['id']}"


def _evidence_rows(world: World, case_path: str) -> int:
    with OperationalStore.open(world.settings) as store:
        return len(store.case_contents(case_path.rsplit("/", 1)[-1])[3])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("file", "gpj\u202e.exe"),
        ("file", "photo\x1b[2J.jpg"),
        ("custodian", "Officer\x00A"),
        ("custodian", "Officer \u2066A"),
        ("custodian", "\x1b]0;owned\x07Officer"),
    ],
)
def test_odd_characters_in_an_upload_are_refused(
    scratch_client: TestClient, scratch_world: World, case_path: str, field: str, value: str
) -> None:
    form = {"custodian": "Officer A", "kind": "photo"}
    name = "seized.jpg"
    if field == "file":
        name = value
    else:
        form[field] = value
    before = _evidence_rows(scratch_world, case_path)
    sent = scratch_client.post(f"{case_path}/evidence", data=form,
                               files={"file": (name, JPEG, "image/jpeg")},
                               headers=scratch_world.headers(OWNER))  # fmt: skip
    assert sent.status_code in (400, 422), sent.text
    assert "control or bidirectional character" in sent.text
    assert _evidence_rows(scratch_world, case_path) == before


def test_ordinary_names_in_any_script_still_upload(
    scratch_client: TestClient, scratch_world: World, case_path: str
) -> None:
    sent = scratch_client.post(f"{case_path}/evidence",
                               data={"custodian": "الضابط أ", "kind": "photo"},
                               files={"file": ("صورة مضبوطات.jpg", JPEG, "image/jpeg")},
                               headers=scratch_world.headers(OWNER))  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert sent.json()["evidence"][-1]["file_name"] == "صورة مضبوطات.jpg"


def test_case_verify_counts_no_other_organisations_writes(
    scratch_client: TestClient, scratch_world: World, case_path: str
) -> None:
    """``GET /cases/{id}/verify`` counted the whole audit chain: polling it measured every
    other organisation's writes (scans, outcomes, cases) as they happened."""
    owner = scratch_world.headers(OWNER)
    before = scratch_client.get(f"{case_path}/verify", headers=owner).json()
    other = scratch_client.post(f"{API}/cases", json={"title": "elsewhere"},
                                headers=scratch_world.headers("bazaar"))  # fmt: skip
    assert other.status_code == 201, other.text
    after = scratch_client.get(f"{case_path}/verify", headers=owner).json()
    assert after["ok"] is True
    assert after["audit_entries"] == before["audit_entries"]
    scratch_client.post(f"{case_path}/notes", json={"text": "own write"}, headers=owner)
    mine = scratch_client.get(f"{case_path}/verify", headers=owner).json()
    assert mine["audit_entries"] == before["audit_entries"] + 1


@pytest.mark.parametrize(("kind", "custodian"), [("bogus", "Officer A"), ("photo", "   ")])
def test_a_refused_upload_leaves_nothing_in_the_vault(
    scratch_client: TestClient, scratch_world: World, case_path: str, kind: str, custodian: str
) -> None:
    """The file was stored before its kind and custodian were checked: every refused upload
    left an unrecorded, unaudited file of up to RINGFENCE_MAX_UPLOAD_BYTES in the vault."""
    vault = scratch_world.settings.data_dir / "evidence"
    before = sorted(p.name for p in vault.rglob("*") if p.is_file()) if vault.exists() else []
    sent = scratch_client.post(f"{case_path}/evidence", data={"custodian": custodian, "kind": kind},
                               files={"file": ("x.jpg", b"orphan " + kind.encode(), "image/jpeg")},
                               headers=scratch_world.headers(OWNER))  # fmt: skip
    assert sent.status_code == 400, sent.text
    after = sorted(p.name for p in vault.rglob("*") if p.is_file()) if vault.exists() else []
    assert after == before
