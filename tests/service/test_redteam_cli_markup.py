"""Red team, issue-15 surfaces: a CLI error message echoes what the user typed, and the one-line
error printer rendered it as Rich markup. ``ringfence case show '[/x]'`` (or a code, a file
name, a seller key holding ``[/x]``) ended in a ``MarkupError`` traceback instead of the error
line, and ``[red]``-style text in a value was silently eaten from the message."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app, run
from ringfence.settings import Settings


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", settings.database_url)
    return settings


@pytest.mark.parametrize("case", ["[/x]", "[bold]ca-0000[/bold]", "ca-[link=file:///etc]x"])
def test_an_error_echoing_markup_is_one_plain_line(cli_env: Settings, case: str) -> None:
    result = CliRunner().invoke(app, ["case", "show", case])
    assert result.exit_code == 3, result.output  # NotFoundError, not a crash
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"no case {case!r}" in result.output  # the value as typed, markup included
    assert "Traceback" not in result.output


def test_the_top_level_runner_prints_markup_literally(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ringfence.cli import main
    from ringfence.errors import NotFoundError

    def fail() -> None:
        raise NotFoundError("no case '[/x]'")

    monkeypatch.setattr(main, "app", fail)
    with pytest.raises(SystemExit) as ended:
        run()
    assert ended.value.code == 3
    assert "no case '[/x]'" in capsys.readouterr().err
