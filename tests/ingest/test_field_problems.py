"""Keep every record: optional values that do not clean are field problems, not lost rows.

Property tests check, for random garbage in every optional party field, that each row is accepted
and that exactly the values the value types refuse are stored as field problems (file, row,
field, raw value, reason); and that no row is ever lost, in default and in strict mode.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.ingest import ingest_files
from ringfence.model import types
from ringfence.model.feeds import feed, value_type
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from tests.ingest.conftest import read_dataset

OPTIONAL = [
    "schema",
    "street",
    "city",
    "postcode",
    "country",
    "phone",
    "email",
    "identifier",
    "bank_account",
    "website",
    "role",
]
COLUMNS = ["id", "name", *OPTIONAL]

garbage = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "n/a",
            "-",
            "?",
            "+33 995 900 8351",
            "0034-0049680172",
            "030 1234567",
            "0612345678",
            "+86 755 1234 5678",
            "12",
            "john.doe@example",
            "a@b@c.com",
            "mailto:x@y.org",
            "<X@Y.ORG>",
            "DE",
            "Germany",
            "QQ",
            "Narnia",
            "DE89370400440532013000",
            "DE89370400440532013001",
            "Company",
            "Vessel",
            "seller",
            "pirate",
            "\u00a0",
            "\t",
            "https://shop.example",
            "0000",
            "++49 30",
            "(0) 30-12 34 56",
        ]
    ),
    st.text(
        alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=14
    ),
)
optional_values = st.fixed_dictionaries({c: st.one_of(st.none(), garbage) for c in OPTIONAL})
PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_STORE: dict[str, str] = {}


@pytest.fixture(autouse=True, scope="module")
def _one_operational_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every example records its runs in one SQLite store (migrating one per example is slow)."""
    _STORE["url"] = f"sqlite:///{tmp_path_factory.mktemp('store') / 'ops.sqlite'}"


def _write(path: Path, rows: list[dict[str, str | None]]) -> None:
    pq.write_table(
        pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in COLUMNS}), path
    )


def _refused(column: str, raw: str | None, hint: str | None) -> bool:
    """Whether the field's value type refuses ``raw`` (blank values are simply missing)."""
    if raw is None or not raw.strip():
        return False
    spec = feed("parties").field("schema_" if column == "schema" else column)
    try:
        value_type(spec.type).clean(raw, hint)
    except types.InvalidValue:
        return True
    return False


def _country(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return str(types.country.clean(raw))
    except types.InvalidValue:
        return None


def _ingest(
    tmp: Path,
    rows: list[dict[str, str | None]],
    strict: bool = False,
    name: str = "parties.parquet",
) -> Settings:
    path = tmp / name
    _write(path, rows)
    settings_ = Settings(data_dir=tmp / "data", batch_rows=1_000, database_url=_STORE["url"])
    summary = ingest_files(settings_, "parties", [path], organisation="acme", strict=strict)
    assert summary.rows_read == len(rows)
    assert summary.rows_read == summary.accepted + summary.quarantined + summary.duplicates
    _SUMMARIES[str(tmp)] = summary.to_dict()
    return settings_


_SUMMARIES: dict[str, dict[str, object]] = {}


@PROPERTY
@given(st.lists(optional_values, min_size=1, max_size=20))
def test_garbage_in_optional_fields_is_accepted_and_stored(
    tmp_path_factory: pytest.TempPathFactory, values: list[dict[str, str | None]]
) -> None:
    tmp = tmp_path_factory.mktemp("garbage")
    rows = [{"id": f"P{i}", "name": f"Party {i}", **v} for i, v in enumerate(values)]
    settings_ = _ingest(tmp, rows)
    summary = _SUMMARIES[str(tmp)]
    assert (summary["accepted"], summary["quarantined"]) == (len(rows), 0)
    expected = set()
    for number, row in enumerate(rows, start=1):
        hint = _country(row["country"])
        for column in OPTIONAL:
            if _refused(column, row[column], hint if column == "phone" else None):
                expected.add((number, column, row[column]))
    problems = read_dataset(settings_, "field_problems").to_pylist()
    assert {(p["source_row"], p["field"], p["raw"]) for p in problems} == expected
    assert summary["field_problems"] == len(expected)
    assert all(p["reason"] and p["source_file"].endswith("parties.parquet") for p in problems)
    stored = {r["source_row"]: r for r in read_dataset(settings_, "parties").to_pylist()}
    assert sorted(stored) == list(range(1, len(rows) + 1))
    for number, column, raw in expected:
        value = stored[number]["schema_" if column == "schema" else column]
        if column == "phone":  # kept as unverified digits, or not at all
            assert value == types.phone.salvage(raw)
        elif column not in ("schema", "role"):  # those two fall back to their defaults
            assert value is None


record_cells = st.one_of(st.none(), garbage, st.sampled_from(["P1", "P2", "Anna", "Bright Co"]))
any_row = st.fixed_dictionaries({c: record_cells for c in COLUMNS})


@PROPERTY
@given(st.lists(any_row, max_size=20), st.booleans())
def test_rows_are_never_lost(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str | None]], strict: bool
) -> None:
    tmp = tmp_path_factory.mktemp("any")
    settings_ = _ingest(tmp, rows, strict=strict)
    summary = _SUMMARIES[str(tmp)]
    accepted = {r["source_row"] for r in read_dataset(settings_, "parties").to_pylist()}
    quarantined = {q["source_row"] for q in read_dataset(settings_, "quarantine").to_pylist()}
    assert len(accepted) == summary["accepted"] and len(quarantined) == summary["quarantined"]
    assert not accepted & quarantined
    problem_rows = {p["source_row"] for p in read_dataset(settings_, "field_problems").to_pylist()}
    assert problem_rows <= accepted  # field problems belong to accepted rows only
    if strict:
        assert summary["field_problems"] == 0
    if not strict:  # quarantined only for a missing key or a missing or invalid name
        reasons: dict[int, set[str | None]] = {}
        for q in read_dataset(settings_, "quarantine").to_pylist():
            reasons.setdefault(q["source_row"], set()).add(q["field"])
        assert all(fields & {"key", "name"} for fields in reasons.values())
    # Re-ingesting the same file gives duplicates and no second copy of any field problem.
    stored = read_dataset(settings_, "field_problems").num_rows
    again = ingest_files(
        settings_, "parties", [tmp / "parties.parquet"], organisation="acme", strict=strict
    )
    assert again.accepted == 0 and again.field_problems == 0
    assert read_dataset(settings_, "field_problems").num_rows == stored


ISSUE_ROWS = """id,name,country,phone,email
A1,Bright Trading,FR,+33 995 900 8351,sales@bright.example
A2,Ana Lopez,ES,0034-0049680172,ana@example.es
A3,Anna Müller,DE,030 1234567,anna@example
A4,Jean Dupont,FR,06 12 34 56 78,JEAN@EXAMPLE.FR
A5,No Country Ltd,,030 1234567,mail@nocountry.example
A6,Odd Mail Co,GB,+44 20 7946 0958,odd mail@example..com
"""


def _issue_file(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.csv"
    path.write_text(ISSUE_ROWS, encoding="utf-8")
    return path


def test_the_issues_phones_and_a_local_number_with_a_country(
    ingest_settings: Settings, tmp_path: Path
) -> None:
    path = _issue_file(tmp_path)
    summary = ingest_files(ingest_settings, "parties", [path], organisation="market")
    assert (summary.rows_read, summary.accepted, summary.quarantined) == (6, 6, 0)
    parties = {p["source_key"]: p for p in read_dataset(ingest_settings, "parties").to_pylist()}
    # Impossible numbers: kept as unverified digits (exact matching only), never E.164.
    assert parties["A1"]["phone"] == "~+339959008351"
    assert parties["A2"]["phone"] == "~+340049680172"
    # A local number takes the row's country as its region, with no configuration.
    assert parties["A3"]["phone"] == "+49301234567"
    assert parties["A4"]["phone"] == "+33612345678"
    assert parties["A4"]["email"] == "jean@example.fr"
    # Without a country the local number cannot be placed: unverified, with its problem.
    assert parties["A5"]["phone"] == "~0301234567"
    assert parties["A6"]["phone"] == "+442079460958" and parties["A6"]["email"] is None
    assert parties["A3"]["email"] is None
    problems = {
        (p["source_row"], p["field"]): p
        for p in read_dataset(ingest_settings, "field_problems").to_pylist()
    }
    assert set(problems) == {(1, "phone"), (2, "phone"), (3, "email"), (5, "phone"), (6, "email")}
    assert summary.field_problems == 5
    assert problems[(1, "phone")]["raw"] == "+33 995 900 8351"
    assert problems[(1, "phone")]["reason"].startswith("not a possible phone number")
    assert problems[(2, "phone")]["raw"] == "0034-0049680172"
    assert "no default country" in problems[(5, "phone")]["reason"]
    assert problems[(6, "email")]["raw"] == "odd mail@example..com"
    assert all(
        p["source_file"] == str(path) and p["organisation"] == "market" and p["feed"] == "parties"
        for p in problems.values()
    )
    with OperationalStore.open(ingest_settings) as store:
        (run,) = store.ingest_runs("market")
    assert (run.accepted, run.quarantined, run.field_problems) == (6, 0, 5)


def test_strict_quarantines_what_default_keeps(ingest_settings: Settings, tmp_path: Path) -> None:
    path = _issue_file(tmp_path)
    summary = ingest_files(ingest_settings, "parties", [path], organisation="market", strict=True)
    assert (summary.rows_read, summary.accepted, summary.quarantined) == (6, 1, 5)
    assert summary.field_problems == 0
    kept = {p["source_key"] for p in read_dataset(ingest_settings, "parties").to_pylist()}
    assert kept == {"A4"}
    quarantine = read_dataset(ingest_settings, "quarantine").to_pylist()
    assert {(q["source_row"], q["field"]) for q in quarantine} == {
        (1, "phone"),
        (2, "phone"),
        (3, "email"),
        (5, "phone"),
        (6, "email"),
    }


def test_inline_party_phone_uses_the_partys_country(tmp_path: Path) -> None:
    data = tmp_path / "manifest.csv"
    data.write_text(
        "awb,date,shipper,shipper_country,shipper_phone\n"
        "W1,2024-03-01,Bright Trading,CN,0755 1234 5678\n"
        "W2,2024-03-02,Ana Lopez,ES,0034-0049680172\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "feed: shipments\nkey: [awb]\nfields: {date: date}\n"
        "parties:\n  shipper:\n    fields: {name: shipper, country: shipper_country,"
        " phone: shipper_phone}\n",
        encoding="utf-8",
    )
    settings_ = Settings(data_dir=tmp_path / "d")
    summary = ingest_files(settings_, "shipments", [data], mapping=mapping, organisation="cx")
    assert (summary.accepted, summary.quarantined, summary.field_problems) == (2, 0, 1)
    phones = {p["name"]: p["phone"] for p in read_dataset(settings_, "parties").to_pylist()}
    assert phones == {"Bright Trading": "+8675512345678", "Ana Lopez": "~+340049680172"}
    problem = read_dataset(settings_, "field_problems").to_pylist()[0]
    assert (problem["source_row"], problem["field"]) == (2, "shipper.phone")


def test_the_same_rows_in_another_file_add_no_field_problems(
    ingest_settings: Settings, tmp_path: Path
) -> None:
    path = _issue_file(tmp_path)
    ingest_files(ingest_settings, "parties", [path], organisation="market")
    copy = tmp_path / "accounts-copy.csv"
    copy.write_text(ISSUE_ROWS + "A7,New Co,DE,not a phone,\n", encoding="utf-8")
    again = ingest_files(ingest_settings, "parties", [copy], organisation="market")
    assert (again.accepted, again.duplicates, again.field_problems) == (1, 6, 1)
    assert read_dataset(ingest_settings, "field_problems").num_rows == 6


def test_quarantine_list_and_show_field_problems(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = _issue_file(tmp_path)
    result = cli("ingest", "parties", path, "--org", "market", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["accepted"], document["quarantined"], document["field_problems"]) == (6, 0, 5)
    listed = json.loads(cli("quarantine", "list", "--json").stdout)
    assert [(f["kind"], f["rows"], f["problems"]) for f in listed] == [("field", 5, 5)]
    assert {r["reason"] for r in listed[0]["top_reasons"]} >= {"phone: not a possible phone number"}
    assert json.loads(cli("quarantine", "list", "--kind", "row", "--json").stdout) == []
    text = cli("quarantine", "list")
    assert text.exit_code == 0 and "field problem" in text.stdout
    shown = json.loads(cli("quarantine", "show", "accounts.csv", "--json").stdout)
    assert [(r["kind"], r["source_row"]) for r in shown] == [
        ("field", 1),
        ("field", 2),
        ("field", 3),
        ("field", 5),
        ("field", 6),
    ]
    assert shown[0]["raw"] == {"phone": "+33 995 900 8351"}
    assert shown[0]["problems"][0]["field"] == "phone"
    table = cli("quarantine", "show", str(path), "--kind", "field")
    assert table.exit_code == 0 and "0034-0049680172" in table.stdout
    bad_kind = cli("quarantine", "show", str(path), "--kind", "rows")
    assert bad_kind.exit_code != 0 and "unknown kind" in bad_kind.output
    assert "Traceback" not in bad_kind.output


def test_cli_strict_flag(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = _issue_file(tmp_path)
    result = cli("ingest", "parties", path, "--org", "market", "--strict", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["accepted"], document["quarantined"], document["field_problems"]) == (1, 5, 0)
    listed = json.loads(cli("quarantine", "list", "--json").stdout)
    assert [(f["kind"], f["rows"]) for f in listed] == [("row", 5)]


def test_a_keyless_partys_key_hashes_its_values_in_mapping_order(tmp_path: Path) -> None:
    """Cleaning phones after countries must not change the keys of mentions already stored."""
    data = tmp_path / "manifest.csv"
    data.write_text(
        "awb,date,tel,shipper,ctry\nW1,2024-03-01,+86 755 1234 5678,Bright Trading,CN\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "feed: shipments\nkey: [awb]\nfields: {date: date}\n"
        "parties:\n  shipper:\n    fields: {phone: tel, name: shipper, country: ctry}\n",
        encoding="utf-8",
    )
    settings_ = Settings(data_dir=tmp_path / "d")
    ingest_files(settings_, "shipments", [data], mapping=mapping, organisation="cx")
    (mention,) = read_dataset(settings_, "parties").to_pylist()
    digest = hashlib.sha1(b"+8675512345678\x1fBright Trading\x1fCN").hexdigest()[:24]
    assert mention["source_key"] == f"shipper:{digest}"
