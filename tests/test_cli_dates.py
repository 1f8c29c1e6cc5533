"""The command line's one date parser (``cli/dates.py``): every command taking a date refuses a
bad one in one line naming its option, with the value quoted (control characters escaped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.dates import parse_date, required_date
from ringfence.cli.main import app
from ringfence.errors import UserError

BAD = "31/12/2024\x1b[2J"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["train", "--until", BAD], "--until"),
        (["score", "--from", BAD], "--from"),
        (["score", "--until", BAD], "--until"),
        (["sellers", "train", "--until", BAD], "--until"),
        (["metrics", "pageviews", "--since", BAD], "--since"),
        (["target", "--date", BAD, "--capacity", "5"], "--date"),
        (["backtest", "--train-until", BAD, "--test-from", "2024-04-01"], "--train-until"),
        (["backtest", "--train-until", "2024-03-31", "--test-from", BAD], "--test-from"),
    ],
)
def test_a_bad_date_is_one_line_naming_its_option(
    args: list[str], flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert f"{flag}: '31/12/2024\\x1b[2J' is not a date (YYYY-MM-DD)" in lines[0]
    assert "\x1b" not in result.output


def test_parse_date() -> None:
    assert str(parse_date(" 2024-02-29 ", "--until")) == "2024-02-29"
    assert parse_date(None, "--until") is None
    with pytest.raises(UserError, match=r"^--until: '2024-02-30' is not a date"):
        parse_date("2024-02-30", "--until")
    with pytest.raises(UserError, match=r"^--date: '' is not a date"):
        required_date("", "--date")
