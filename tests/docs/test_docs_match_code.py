"""Documentation is tested against the code: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from ringfence.cli.main import app
from ringfence.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _command_paths(group: object, prefix: str = "ringfence") -> list[str]:
    commands = getattr(group, "commands", {})
    paths = []
    for name, command in commands.items():
        path = f"{prefix} {name}"
        paths.append(path)
        paths.extend(_command_paths(command, path))
    return paths


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    for name in Settings.model_fields:
        assert f"RINGFENCE_{name.upper()}" in text, f"RINGFENCE_{name.upper()} not in settings.md"


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    paths = _command_paths(typer.main.get_command(app))
    assert paths, "the CLI has no commands"
    missing = [p for p in paths if f"`{p}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"
