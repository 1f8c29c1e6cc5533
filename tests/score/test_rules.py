"""The rule language: evaluation, and errors that name the file, the rule and the problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.score.rules import RuleError, evaluate, load_rules, rules_score


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_rules_load():
    rules = load_rules()
    assert rules and all(r.reason for r in rules)


def test_evaluation_is_vectorised_and_missing_is_false(tmp_path):
    path = _write(
        tmp_path,
        "rules:\n"
        "  - {name: high, when: 'a > 1 and not b <= 0', weight: 2, reason: 'a is {a:.0f}'}\n"
        "  - {name: absent, when: 'missing(a)', weight: 0.5}\n",
    )
    rules = load_rules(path)
    data = {"a": np.array([2.0, 0.0, np.nan]), "b": np.array([1.0, 1.0, 1.0])}
    fired = evaluate(rules, data, 3)
    assert fired.tolist() == [[True, False], [False, False], [False, True]]
    assert rules_score(rules, fired).tolist() == [2.0, 0.0, 0.5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("rule: []", "expected a mapping with a 'rules' list"),
        ("rules:\n  - {name: x, when: 'a >'}", "cannot parse 'when'"),
        ("rules:\n  - {name: x, when: '__import__(1)'}", "the only function is missing"),
        ("rules:\n  - {name: x, when: 'a > \"b\"'}", "only numbers"),
        ("rules:\n  - {name: x, when: 'a > 1', weight: heavy}", "'weight' must be a number"),
        ("rules:\n  - {name: x, when: 'a > 1', colour: red}", "unknown keys colour"),
        ("rules:\n  - {name: x, when: 'a > 1'}\n  - {name: x, when: 'a > 2'}", "duplicate"),
        ("rules:\n  - {name: 'bad name', when: 'a > 1'}", "'name' must be a word"),
    ],
)
def test_errors_are_clear(tmp_path, text, message):
    with pytest.raises(RuleError, match=message) as info:
        load_rules(_write(tmp_path, text))
    assert info.value.exit_code == 2
    assert "rules.yaml" in info.value.message


def test_unknown_feature_suggests(tmp_path):
    rules = load_rules(_write(tmp_path, "rules:\n  - {name: x, when: 'importer_rat > 1'}"))
    with pytest.raises(RuleError, match="did you mean importer_rate"):
        evaluate(rules, {"importer_rate": np.zeros(2)}, 2)


def test_cli_exits_2_on_bad_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path / "data"))
    path = _write(tmp_path, "rules:\n  - {name: x, when: 'a >'}")
    result = CliRunner().invoke(app, ["train", "--rules", str(path)])
    assert result.exit_code == 2
    assert "cannot parse 'when'" in result.output
