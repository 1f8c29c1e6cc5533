"""``ringfence ingest --mapping NAME --org ORG`` did not see a mapping registered for ORG with
``ringfence mapping register`` (the API's uploads did): the operator got "no such mapping file".
The command now resolves a name as an upload does (registered for the organisation, then
shipped), never another organisation's mapping, and still takes a mapping file by path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ringfence.ingest.registry import register_mapping
from ringfence.settings import Settings
from tests.ingest.conftest import FIXTURES

# The fixture's columns under other names, as a partner's export might have them.
MAPPING = """feed: parties
key: [ref]
fields:
  name: {column: full_name}
  country: {column: land}
"""


def test_ingest_uses_the_organisations_registered_mapping(
    cli: Callable[..., Any], ingest_settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "partner-map.yaml"
    source.write_text(MAPPING, encoding="utf-8")
    register_mapping(ingest_settings, "acme", "partner-parties", source, "test")
    data = tmp_path / "parties.csv"
    data.write_text("ref,full_name,land\nA1,Bright Trading,CN\nA2,Anna Muller,DE\n")

    done = cli("ingest", "parties", data, "--mapping", "partner-parties", "--org", "acme",
               "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output.strip().splitlines()[-1])
    assert summary["accepted"] == 2 and summary["files"][0]["organisation"] == "acme"
    assert summary["files"][0]["mapping"].endswith("partner-parties.yaml")

    # Another organisation cannot name it: one error, as for any unknown name.
    other = cli("ingest", "parties", data, "--mapping", "partner-parties", "--org", "evil")
    assert other.exit_code == 2 and "unknown mapping 'partner-parties'" in other.output
    # Names that are paths or traversal are not names; a real file by path still works.
    sneaky = cli("ingest", "parties", data, "--mapping", "../acme/partner-parties", "--org",
                 "evil")  # fmt: skip
    assert sneaky.exit_code == 2 and "Traceback" not in sneaky.output
    by_path = cli("ingest", "parties", data, "--mapping", source, "--org", "acme")
    assert by_path.exit_code == 0, by_path.output
    shipped = cli("ingest", "parties", FIXTURES / "parties.csv", "--org", "acme")
    assert shipped.exit_code == 0, shipped.output
