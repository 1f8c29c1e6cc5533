"""Red team I3 (investigate): ``ringfence watch add`` built its request model directly, so an
entity id or note the model refuses (Rich markup, a terminal escape, a bidi override, a
100,000-character id) ended in a pydantic traceback instead of one line and exit code 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.settings import Settings
from tests.cases.test_watch_cli import _entity
from tests.cases.test_watch_cli import world as world


@pytest.mark.parametrize(
    ("entity", "note"),
    [
        ("[red]x", None),
        ("en-\x1b[2J", None),
        ("x" * 100_000, None),
        (None, "\x1b]0;owned\x07ring leader"),
        (None, "ring \u202eredael"),
    ],
)
def test_i3_hostile_watch_input_is_one_line_not_a_traceback(
    world: Settings,
    entity: str | None,
    note: str | None,
) -> None:
    args = ["watch", "add", entity or _entity(world, "ipr-center"), "--org", "ipr-center"]
    result = CliRunner().invoke(app, [*args, *(["--note", note] if note else [])])
    assert result.exit_code == 2, (result.exit_code, repr(result.exception))
    assert "error:" in result.output and "Traceback" not in result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    listed = CliRunner().invoke(app, ["watch", "list", "--org", "ipr-center"])
    assert listed.output.strip() == "no watches"
