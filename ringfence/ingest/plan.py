"""The ingest plan: a mapping (or the feed's canonical format) checked against one file's columns.

Everything that can be wrong with a mapping is found here, before any row is read, and reported
naming the mapping file and the key: an unknown field, a transform that does not fit the field's
type, a column the file does not have.
"""

from __future__ import annotations

import codecs
import datetime as dt
from dataclasses import dataclass, field

from ringfence.errors import InputFileError, MappingError
from ringfence.ingest.mapping import FieldMapping, LabelMapping, Mapping
from ringfence.model.feeds import FeedSpec, FieldSpec, feed
from ringfence.model.records import PARTY_REFS, PARTY_ROLES, PROVENANCE_FIELDS

LIST_SEPARATOR = ";"
NUMERIC_TYPES = ("number", "rate", "count")
# Feeds whose records describe a party themselves; each record also becomes a party mention.
SELF_PARTY_ROLES = {"sellers": "seller", "watchlist": "watchlist"}


@dataclass(frozen=True)
class FieldPlan:
    """One canonical field and how a row fills it."""

    spec: FieldSpec
    source: FieldMapping
    hint: str | None
    where: str
    """The mapping key, for messages: ``fields.date`` or ``parties.shipper.name``."""


@dataclass(frozen=True)
class PartyPlan:
    """An inline party mention in one role."""

    role: str
    key: list[str] | None
    fields: list[FieldPlan]


@dataclass(frozen=True)
class Plan:
    """How to turn rows of one file into records of one feed."""

    feed: FeedSpec
    organisation: str
    fields: list[FieldPlan]
    key: list[str] | None
    parties: list[PartyPlan] = field(default_factory=list)
    labels: dict[str, LabelMapping] = field(default_factory=dict)
    ref_orgs: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    signals: list[FieldPlan] = field(default_factory=list)
    """Numeric ``signal_<name>`` columns (sellers), see ``ingest.signals``."""

    @property
    def self_party_role(self) -> str | None:
        return SELF_PARTY_ROLES.get(self.feed.name)


def canonical_mapping(spec: FeedSpec, columns: list[str], file: str) -> tuple[Mapping, list[str]]:
    """The mapping implied by the canonical format; missing required columns are an error."""
    present = set(columns)
    fields: dict[str, FieldMapping] = {}
    for fs in spec.data_fields:
        if fs.name == "source_key":
            continue
        column = fs.canonical_column
        if column in present:
            fields[column] = FieldMapping(column=column,
                                          split=LIST_SEPARATOR if fs.is_list else None)
        elif fs.required:
            raise InputFileError(
                f"missing required column {column!r} of the {spec.name} canonical format "
                "(see docs/feeds.md, or pass --mapping)", file=file, field=column)
    from ringfence.ingest.signals import SIGNAL_FEEDS, is_signal

    known = {fs.canonical_column for fs in spec.data_fields}
    extra = [c for c in columns if c not in known
             and not (spec.name in SIGNAL_FEEDS and is_signal(c))]
    warnings = [f"{file}: ignored columns not in the {spec.name} format: {', '.join(extra)}"
                ] if extra else []
    key = ["id"] if "id" in present else None
    return Mapping(feed=spec.name, fields=fields, key=key), warnings


def build_plan(
    mapping: Mapping, organisation: str, columns: list[str], mapping_file: str, data_file: str
) -> Plan:
    """Check ``mapping`` against the file's columns and resolve every field's type and hint."""
    from ringfence.ingest.signals import SIGNAL_FEEDS, is_signal, signal_plans

    spec = feed(mapping.feed)
    _check_columns(mapping, columns, mapping_file, data_file)
    signal = {n: fm for n, fm in mapping.fields.items() if spec.name in SIGNAL_FEEDS
              and is_signal(n)}
    fields = [_field_plan(spec, name, fm, mapping, f"fields.{name}", mapping_file)
              for name, fm in mapping.fields.items() if name not in signal]
    mapped = {fp.spec.name for fp in fields}
    parties = [_party_plan(spec, role, pm.key, pm.fields, mapping, mapping_file)
               for role, pm in mapping.parties.items()]
    for party in parties:
        if f"{party.role}_ref" in mapped:
            raise MappingError(f"{party.role!r} is both a field and an inline party",
                               file=mapping_file, field=f"parties.{party.role}")
    mapped.update(f"{p.role}_ref" for p in parties)
    for fs in spec.data_fields:
        if fs.required and fs.name not in mapped and fs.name != "source_key":
            raise MappingError(f"required field {fs.canonical_column!r} is not mapped",
                               file=mapping_file, field="fields")
    if mapping.labels and spec.name != "shipments":
        raise MappingError("labels are only for the shipments feed", file=mapping_file,
                           field="labels")
    if mapping.labels and "date" not in mapped:
        raise MappingError("labels need the shipment date", file=mapping_file, field="labels")
    return Plan(spec, organisation, fields, mapping.key, parties, dict(mapping.labels),
                _ref_orgs(spec, mapping, organisation, mapping_file),
                signals=signal_plans(spec.name, signal, columns, mapping_file, data_file))


def _check_columns(mapping: Mapping, columns: list[str], mapping_file: str, data_file: str) -> None:
    present = set(columns)
    for where, cols in _column_uses(mapping):
        for col in cols:
            if col not in present:
                shown = ", ".join(columns[:30]) + (" ..." if len(columns) > 30 else "")
                raise MappingError(
                    f"column {col!r} is not in {data_file}; its columns are: {shown}",
                    file=mapping_file, field=where)


def _column_uses(mapping: Mapping) -> list[tuple[str, list[str]]]:
    uses: list[tuple[str, list[str]]] = [("key", list(mapping.key or []))]
    uses += [(f"fields.{n}", fm.source_columns) for n, fm in mapping.fields.items()]
    for role, pm in mapping.parties.items():
        uses.append((f"parties.{role}.key", list(pm.key or [])))
        uses += [(f"parties.{role}.fields.{n}", fm.source_columns) for n, fm in pm.fields.items()]
    for name, label in mapping.labels.items():
        uses.append((f"labels.{name}", [label.column, label.result_column or label.column]))
    return uses


def _field_plan(
    spec: FeedSpec, name: str, fm: FieldMapping, mapping: Mapping, where: str, mapping_file: str
) -> FieldPlan:
    try:
        fs = spec.field(name)
    except KeyError:
        names = ", ".join(f.canonical_column for f in spec.data_fields if f.name != "source_key")
        raise MappingError(f"{spec.name} has no field {name!r}; its fields are: {names}",
                           file=mapping_file, field=where) from None
    if fs.name in PROVENANCE_FIELDS:
        raise MappingError("the record key is set with 'key:', not as a field",
                           file=mapping_file, field=where)
    _check_transform(fs, fm, mapping_file, where)
    return FieldPlan(fs, fm, _hint(fs, fm, mapping), where)


def _check_transform(fs: FieldSpec, fm: FieldMapping, mapping_file: str, where: str) -> None:
    base = fs.type.removeprefix("list:")
    if (fm.factor is not None or fm.multiply_column) and base not in NUMERIC_TYPES:
        raise MappingError(f"factor and multiply_column need a number field, not {fs.type}",
                           file=mapping_file, field=where)
    if fm.date_format and base != "date":
        raise MappingError(f"date_format is for date fields, not {fs.type}",
                           file=mapping_file, field=where)
    if fm.split is not None and not fs.is_list:
        raise MappingError(f"split is for list fields, not {fs.type}",
                           file=mapping_file, field=where)
    if fm.split == "":
        raise MappingError("split must not be empty", file=mapping_file, field=where)
    if fm.date_format and not _valid_date_format(fm.date_format):
        raise MappingError(f"date_format {fm.date_format!r} is not a strptime format",
                           file=mapping_file, field=where)
    if fm.constant is not None and fm.map is not None:
        raise MappingError("a constant needs no map", file=mapping_file, field=where)


def _valid_date_format(fmt: str) -> bool:
    """Whether ``fmt`` parses what it formats (catches bad directives such as ``%Q``)."""
    sample = dt.datetime(2024, 12, 31, 23, 59, 58)
    try:
        dt.datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError:
        return False
    return "%" in fmt


def check_format(mapping: Mapping, mapping_file: str) -> None:
    """Reading options that cannot work are mapping errors, found before the file is opened."""
    fmt = mapping.format
    try:
        codecs.lookup(fmt.encoding)
    except LookupError:
        raise MappingError(f"unknown encoding {fmt.encoding!r}", file=mapping_file,
                           field="format.encoding") from None
    if len(fmt.delimiter) != 1:
        raise MappingError("the delimiter must be one character", file=mapping_file,
                           field="format.delimiter")
    if len(fmt.quote) > 1 or fmt.quote == fmt.delimiter:
        raise MappingError("the quote must be one character (or empty), not the delimiter",
                           file=mapping_file, field="format.quote")
    if mapping.defaults.date_format and not _valid_date_format(mapping.defaults.date_format):
        raise MappingError("not a strptime format", file=mapping_file,
                           field="defaults.date_format")


def _hint(fs: FieldSpec, fm: FieldMapping, mapping: Mapping) -> str | None:
    """The hint for the value type: the field's own, else the mapping's defaults for its type."""
    if fm.hint or fm.date_format:
        return fm.hint or fm.date_format
    base = fs.type.removeprefix("list:")
    if base == "date":
        return mapping.defaults.date_format
    if base == "phone":
        return mapping.defaults.phone_country
    if base in NUMERIC_TYPES and mapping.defaults.number_style == "comma":
        return "comma"
    return None


def _party_plan(
    spec: FeedSpec, role: str, key: list[str] | None, fields: dict[str, FieldMapping],
    mapping: Mapping, mapping_file: str,
) -> PartyPlan:
    where = f"parties.{role}"
    if role not in PARTY_ROLES:
        raise MappingError(f"unknown party role {role!r}; roles are: {', '.join(PARTY_ROLES)}",
                           file=mapping_file, field=where)
    if role not in PARTY_REFS or f"{role}_ref" not in {f.name for f in spec.fields}:
        raise MappingError(f"the {spec.name} feed has no {role} reference for an inline party",
                           file=mapping_file, field=where)
    party_spec = feed("parties")
    plans = []
    for name, fm in fields.items():
        plan = _field_plan(party_spec, name, fm, mapping, f"{where}.fields.{name}", mapping_file)
        if plan.spec.name == "role":
            raise MappingError("the role is the key under parties:", file=mapping_file,
                               field=plan.where)
        plans.append(plan)
    if not plans:
        raise MappingError("a party needs at least one field", file=mapping_file, field=where)
    return PartyPlan(role, key, plans)


def _ref_orgs(
    spec: FeedSpec, mapping: Mapping, organisation: str, mapping_file: str
) -> dict[str, str]:
    """Organisation each reference field resolves in: ``refs`` or else the ingesting one."""
    orgs = {f.name: organisation for f in spec.fields if f.ref_feed}
    for name, ref in mapping.refs.items():
        try:
            fs = spec.field(name)
        except KeyError:
            fs = None
        if fs is None or not fs.ref_feed:
            refs = ", ".join(f.canonical_column for f in spec.fields if f.ref_feed) or "none"
            raise MappingError(f"{name!r} is not a reference of {spec.name} (references: {refs})",
                               file=mapping_file, field=f"refs.{name}")
        orgs[fs.name] = ref.organisation
    return orgs
