"""A small rule language over shipment features: usable with no labels at all, and model input.

A rule file is YAML::

    rules:
      - name: importer_history
        when: importer_positives >= 2 and importer_rate > 0.3
        weight: 1.5
        reason: "importer had {importer_positives:.0f} of {importer_inspections:.0f} past
          inspections positive"

``when`` is an expression over feature names: numbers, comparisons (``< <= > >= == !=``),
``and``/``or``/``not``, ``+ - * /``, parentheses and ``missing(feature)``. A missing (null) feature
makes every comparison on it false. ``reason`` is a text with ``{feature}`` placeholders (Python
format specs allowed). A shipment's rules score is the sum of the weights of the rules it fires.
Errors name the file, the rule and the problem, and exit with code 2.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ringfence.errors import UserError

DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITH: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class RuleError(UserError):
    """A rule file that cannot be read, parsed or evaluated."""


@dataclass(frozen=True)
class Rule:
    """One rule: a parsed condition, its weight and the reason shown when it fires."""

    name: str
    when: str
    weight: float
    reason: str
    tree: ast.Expression

    @cached_property
    def features(self) -> set[str]:
        """Feature names the condition reads (walked once: scoring asks per shipment)."""
        return {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)} - {"missing"}


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """Read and check a rule file (the default rule set when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rule file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleError(f"{path}: expected a mapping with a 'rules' list")
    rules = [_parse_rule(path, i, item) for i, item in enumerate(data["rules"], start=1)]
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RuleError(f"{path}: duplicate rule names: {', '.join(duplicates)}")
    return rules


def _parse_rule(path: Path, index: int, item: object) -> Rule:
    where = f"{path}: rule {index}"
    if not isinstance(item, dict):
        raise RuleError(f"{where}: expected a mapping with name, when, weight, reason")
    unknown = set(item) - {"name", "when", "weight", "reason"}
    if unknown:
        raise RuleError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    name, when = item.get("name"), item.get("when")
    if not isinstance(name, str) or not name.isidentifier():
        raise RuleError(f"{where}: 'name' must be a word of letters, digits and _")
    where = f"{path}: rule '{name}'"
    if not isinstance(when, str) or not when.strip():
        raise RuleError(f"{where}: 'when' must be a condition such as 'importer_rate > 0.5'")
    weight = item.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise RuleError(f"{where}: 'weight' must be a number, not {weight!r}")
    try:
        tree = ast.parse(" ".join(when.split()), mode="eval")
    except SyntaxError as exc:
        raise RuleError(f"{where}: cannot parse 'when' at column {exc.offset}: {when}") from exc
    _check(tree.body, where)
    reason = str(item.get("reason") or name.replace("_", " "))
    return Rule(name, when, float(weight), reason, tree)


_ALLOWED = (
    ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.BinOp,
    ast.Name, ast.Load, ast.Constant, ast.Call, *_COMPARE, *_ARITH,
)  # fmt: skip


def _check(node: ast.AST, where: str) -> None:
    """Reject anything outside the rule language, naming the offending piece."""
    for sub in ast.walk(node):
        if not isinstance(sub, _ALLOWED):
            raise RuleError(f"{where}: '{ast.unparse(sub)}' is not allowed in a condition")
        if isinstance(sub, ast.Constant) and not isinstance(sub.value, int | float):
            raise RuleError(f"{where}: only numbers may appear as constants, not {sub.value!r}")
        if isinstance(sub, ast.Call) and not (
            isinstance(sub.func, ast.Name)
            and sub.func.id == "missing"
            and len(sub.args) == 1
            and isinstance(sub.args[0], ast.Name)
        ):
            raise RuleError(f"{where}: the only function is missing(feature)")


def check_features(rules: list[Rule], available: set[str]) -> None:
    """Fail clearly when a rule reads a feature that does not exist."""
    import difflib

    for rule in rules:
        for name in sorted(rule.features - available):
            near = difflib.get_close_matches(name, sorted(available), n=3)
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise RuleError(f"rule '{rule.name}': unknown feature '{name}'{hint}")


def _eval(node: ast.AST, data: Mapping[str, np.ndarray]) -> Any:
    """Vectorised evaluation; NaN comparisons are false, which is what 'missing' should mean."""
    if isinstance(node, ast.Expression):
        return _eval(node.body, data)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return data[node.id]
    if isinstance(node, ast.Call):
        return np.isnan(data[node.args[0].id])  # type: ignore[attr-defined]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, data)
        return np.logical_not(value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BinOp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _ARITH[type(node.op)](_eval(node.left, data), _eval(node.right, data))
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, data) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return combine.reduce(np.broadcast_arrays(*values))
    assert isinstance(node, ast.Compare)
    left, result = _eval(node.left, data), None
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = _eval(comparator, data)
        part = _COMPARE[type(op)](left, right)
        result = part if result is None else np.logical_and(result, part)
        left = right
    return result


def evaluate(rules: list[Rule], data: Mapping[str, np.ndarray], rows: int) -> np.ndarray:
    """A boolean matrix (rows × rules): which rule fires for which shipment."""
    check_features(rules, set(data))
    fired = np.zeros((rows, len(rules)), dtype=bool)
    for j, rule in enumerate(rules):
        with np.errstate(invalid="ignore"):
            fired[:, j] = np.broadcast_to(np.asarray(_eval(rule.tree, data), dtype=bool), rows)
    return fired


def rules_score(rules: list[Rule], fired: np.ndarray) -> np.ndarray:
    """Sum of the weights of the rules each shipment fires."""
    weights = np.array([r.weight for r in rules], dtype=float)
    return np.asarray(fired @ weights if rules else np.zeros(fired.shape[0]), dtype=float)


def reason_text(rule: Rule, row: Mapping[str, Any]) -> str:
    """The rule's reason with the shipment's feature values filled in."""
    try:
        return rule.reason.format(**row)
    except (KeyError, ValueError, IndexError, TypeError):  # a missing value or bad spec
        return rule.reason
