"""A mistake in a mapping file ends in one clear line naming the file and the key; exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest import FIXTURES

GOOD = """feed: shipments
organisation: acme
key: [id]
fields:
  date: date
  origin_country: {column: origin_country}
"""

CASES = {
    "unknown column": (GOOD.replace("column: origin_country", "column: Origin"),
                       ["'Origin'", "fields.origin_country", "shipments.csv"]),
    "unknown field": (GOOD + "  colour: description\n", ["no field 'colour'", "fields.colour"]),
    "bad transform": (GOOD + "  description: {column: description, factor: 2}\n",
                      ["factor", "fields.description"]),
    "two sources": (GOOD + "  carrier: {column: carrier, constant: DHL}\n",
                    ["exactly one of", "fields.carrier"]),
    "bad yaml": ("feed: shipments\nfields: [date\n", ["not valid YAML"]),
    "unknown option": (GOOD + "  port: {column: port, multiply: 3}\n", ["fields.port"]),
    "not an object": ("- feed\n", ["YAML object"]),
    "required field unmapped": ("feed: shipments\norganisation: acme\nfields: {port: port}\n",
                                ["required field 'date'"]),
    "wrong feed": (GOOD.replace("feed: shipments", "feed: parties"), ["parties feed"]),
    "unknown feed": (GOOD.replace("feed: shipments", "feed: teleports"), ["unknown feed"]),
    "unknown role": (GOOD + "parties:\n  smuggler: {fields: {name: shipper}}\n",
                     ["unknown party role", "parties.smuggler"]),
    "unknown ref": (GOOD + "refs:\n  brand: {organisation: other}\n", ["refs.brand"]),
    "bad date format": (GOOD.replace("  date: date", "  date: {column: date, date_format: '%Q'}"),
                        ["'%Q'", "fields.date"]),
    "unknown encoding": (GOOD + "format: {encoding: klingon}\n", ["format.encoding"]),
    "long delimiter": (GOOD + "format: {delimiter: ';;'}\n", ["format.delimiter"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_mapping_mistakes_are_one_clear_line(
    cli: Callable[..., Any], tmp_path: Path, case: str
) -> None:
    text, expected = CASES[case]
    mapping = tmp_path / "partner-map.yaml"
    mapping.write_text(text, encoding="utf-8")
    result = cli("ingest", "shipments", FIXTURES / "shipments.csv", "--mapping", mapping)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = " ".join(result.output.split())
    assert "partner-map.yaml" in message
    for part in expected:
        assert part in message


def test_missing_mapping_file_lists_shipped_ones(cli: Callable[..., Any]) -> None:
    result = cli("ingest", "shipments", FIXTURES / "shipments.csv", "--mapping", "no-such-map")
    assert result.exit_code == 2
    assert "kcs-declarations" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args, expected", [
    (["ingest", "shipments", "missing.csv", "--org", "acme"], "no such file"),
    (["ingest", "teleports", str(FIXTURES / "brands.csv"), "--org", "acme"], "unknown feed"),
    (["ingest", "brands", str(FIXTURES / "brands.csv")], "--org"),
    (["ingest", "parties", str(FIXTURES / "pageviews.csv"), "--org", "acme"], "'name'"),
    (["ingest", "brands", str(FIXTURES / "brands.csv"), "--org", "Not A Slug"], "slug"),
])
def test_bad_input_is_one_clear_line(cli: Callable[..., Any], args: list[str],
                                     expected: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output


def test_mapping_register_validates_copies_and_audits(
    ingest_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ringfence mapping register``: a bad mapping is one clear line (exit 2), a good one is
    copied under the organisation and audited; names are slugs, shipped names are taken."""
    import typer
    from typer.testing import CliRunner

    from ringfence.cli import mapping_cmd
    from ringfence.errors import UserError
    from ringfence.ingest.registry import UnknownMapping, resolve_named_mapping
    from ringfence.store.operational import OperationalStore

    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(ingest_settings.data_dir))
    if ingest_settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", ingest_settings.database_url)
    app = typer.Typer()
    mapping_cmd.register(app)

    @app.callback()
    def main() -> None:
        """Test app."""

    def run(*args: object) -> Any:
        return CliRunner().invoke(app, [str(a) for a in args])

    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "  colour: description\n")
    result = run("mapping", "register", "acme-manifest", bad, "--org", "acme")
    assert result.exit_code == 2 and "fields.colour" in result.output
    assert "Traceback" not in result.output
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    assert run("mapping", "register", "acme-manifest", good, "--org", "acme").exit_code == 0
    path = resolve_named_mapping(ingest_settings, "acme", "acme-manifest")
    assert path.read_text() == GOOD and path.is_relative_to(ingest_settings.data_dir)
    listed = run("mapping", "list", "--org", "acme").output
    assert "acme-manifest\tregistered" in listed and "kcs-declarations\tshipped" in listed
    with OperationalStore.open(ingest_settings) as store:
        actions = [(e.action, e.organisation) for e in store.audit_entries()]
    assert ("mapping.register", "acme") in actions
    assert run("mapping", "register", "kcs-declarations", good, "--org", "acme").exit_code == 4
    assert run("mapping", "register", "../evil", good, "--org", "acme").exit_code == 2
    for name in ("acme-manifest", "../acme/acme-manifest", str(path), "kcs-declarations.yaml"):
        if name == "acme-manifest":
            with pytest.raises(UnknownMapping):  # another organisation's name is unknown to it
                resolve_named_mapping(ingest_settings, "other-org", name)
        else:
            with pytest.raises(UserError, match="unknown mapping"):
                resolve_named_mapping(ingest_settings, "acme", name)
