"""Mapping files: how a partner's own file format maps onto a canonical feed.

A mapping is YAML, validated here into typed objects; a mistake in it (unknown key, bad
transform, a column the file does not have) is reported naming the mapping file and the key.
See docs/mappings.md for the reference with examples.

    feed: shipments
    format: {type: csv, delimiter: ";", encoding: latin-1}
    key: [AWB]
    defaults: {date_format: "%d.%m.%Y", phone_country: DE}
    fields:
      date: {column: Ship Date}
      description: Goods                      # shorthand for {column: Goods}
      kind: {constant: manifest}
      origin_country: {column: Origin, map: {China: CN}}
      weight_kg: {column: Weight (g), factor: 0.001}
    parties:
      shipper:
        key: [Shipper Name]
        fields: {name: Shipper Name, country: Shipper Country}
    labels:
      ipr: {column: Critical Fraud, positive: ["2"], negative: ["0", "1"]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ringfence.errors import MappingError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldMapping(_Strict):
    """How one canonical field is filled: from a column (or columns) or a constant, transformed."""

    column: str | None = None
    columns: list[str] | None = Field(default=None, description="joined with `join`")
    join: str = " "
    constant: str | None = None
    map: dict[str, str | None] | None = Field(default=None, description="value map, applied first")
    map_default: Literal["keep", "null", "reject"] = "keep"
    date_format: str | None = None
    factor: float | None = Field(default=None, description="multiply a number (unit/currency)")
    multiply_column: str | None = Field(
        default=None, description="multiply a number by the number in this column (rate, count)"
    )
    split: str | None = Field(default=None, description="separator for list fields")
    hint: str | None = Field(default=None, description="type hint, e.g. a phone's country")
    hint_column: str | None = Field(default=None, description="column giving the hint per row")

    @model_validator(mode="after")
    def _one_source(self) -> FieldMapping:
        sources = [self.column is not None, self.columns is not None, self.constant is not None]
        if sum(sources) != 1:
            raise ValueError("give exactly one of column, columns or constant")
        return self

    @property
    def source_columns(self) -> list[str]:
        """Columns of the input file this field reads."""
        cols = [self.column] if self.column else list(self.columns or [])
        extra = [c for c in (self.hint_column, self.multiply_column) if c]
        return cols + extra


def _coerce_field(value: Any) -> Any:
    return {"column": value} if isinstance(value, str) else value


class FormatOptions(_Strict):
    """How to read the file; the type defaults to the file's extension."""

    type: Literal["csv", "parquet", "jsonl", "ftm"] | None = None
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    header: bool = True
    columns: list[str] | None = Field(default=None, description="names when header is false")
    skip_rows: int = 0


class Defaults(_Strict):
    """Hints applied to every field of a type unless the field says otherwise."""

    date_format: str | None = None
    phone_country: str | None = None
    number_style: Literal["point", "comma"] = "point"


class PartyMapping(_Strict):
    """An inline party mention: columns of each row that describe a party in one role."""

    key: list[str] | None = None
    fields: dict[str, FieldMapping]

    _coerce = field_validator("fields", mode="before")(
        lambda v: {k: _coerce_field(x) for k, x in (v or {}).items()}
    )


class LabelMapping(_Strict):
    """A column that carries an outcome label; each row with a value gives one outcome record."""

    column: str
    positive: list[str]
    negative: list[str] | None = Field(
        default=None, description="values meaning 'not positive'; default: any other value"
    )
    result_column: str | None = None


class RefMapping(_Strict):
    """Where a reference resolves: the organisation whose feed holds the referenced record."""

    organisation: str


class Mapping(_Strict):
    """A whole mapping file."""

    feed: str
    organisation: str | None = None
    description: str | None = None
    format: FormatOptions = FormatOptions()
    key: list[str] | None = None
    defaults: Defaults = Defaults()
    fields: dict[str, FieldMapping] = {}
    parties: dict[str, PartyMapping] = {}
    labels: dict[str, LabelMapping] = {}
    refs: dict[str, RefMapping] = {}

    _coerce = field_validator("fields", mode="before")(
        lambda v: {k: _coerce_field(x) for k, x in (v or {}).items()}
    )

    def source_columns(self) -> set[str]:
        """Every input column the mapping reads."""
        cols = set(self.key or [])
        for fm in self.fields.values():
            cols.update(fm.source_columns)
        for party in self.parties.values():
            cols.update(party.key or [])
            for fm in party.fields.values():
                cols.update(fm.source_columns)
        for label in self.labels.values():
            cols.add(label.column)
            if label.result_column:
                cols.add(label.result_column)
        return cols


SHIPPED_MAPPINGS = Path(__file__).parent / "mappings"


def resolve_mapping_path(name: str | Path) -> Path:
    """A mapping file's path; a bare name such as ``kcs-declarations`` means a shipped one."""
    path = Path(name)
    if path.is_file():
        return path
    text = str(name)
    if "/" not in text and "\\" not in text:
        shipped = SHIPPED_MAPPINGS / (text if text.endswith((".yaml", ".yml")) else f"{text}.yaml")
        if shipped.is_file():
            return shipped
    known = ", ".join(sorted(p.stem for p in SHIPPED_MAPPINGS.glob("*.yaml")))
    raise MappingError(f"no such mapping file (shipped mappings: {known or 'none'})", file=text)


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file; errors name the file and the offending key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read mapping: {exc.strerror}", file=str(path)) from None
    except yaml.YAMLError as exc:
        raise MappingError(f"not valid YAML: {exc}", file=str(path)) from None
    if not isinstance(raw, dict):
        raise MappingError("a mapping must be a YAML object with a 'feed' key", file=str(path))
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise MappingError(f"{err['msg']}", file=str(path), field=where) from None
