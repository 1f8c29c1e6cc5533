"""``compare_pairs``: score hand-picked pairs of parties with the trained resolution model.

Input is a table with ``left_*`` and ``right_*`` columns (any of ``PAIR_FIELDS``, any may be
empty); output adds ``score`` (Splink's calibrated match probability) and ``reasons``. The pairs
are scored exactly as given (no blocking), on DuckDB, with the term frequencies saved at
training so that a common name weighs as little here as it did in ``ringfence resolve``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ringfence.errors import InputFileError
from ringfence.model import types
from ringfence.model.types import InvalidValue
from ringfence.resolve.explain import pair_reasons
from ringfence.resolve.model import load_model
from ringfence.resolve.prepare import prepare_mentions
from ringfence.settings import Settings

PAIR_FIELDS = (
    "name", "street", "city", "postcode", "country", "phone", "email", "identifier",
    "bank_account", "schema",
)  # fmt: skip
SCHEMAS = ("Person", "Company", "LegalEntity")


def read_pairs_csv(path: Path) -> pd.DataFrame:
    """Read a pairs CSV as text; any problem is one ``InputFileError`` line."""
    if not path.is_file():
        raise InputFileError("no such file", file=str(path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(f"not a readable CSV file ({first})", file=str(path)) from None
    sides = {c.split("_", 1)[1] for c in frame.columns if c.startswith(("left_", "right_"))}
    if not sides & set(PAIR_FIELDS):
        raise InputFileError(
            "needs left_* and right_* columns, e.g. left_name,right_name "
            f"(fields: {', '.join(PAIR_FIELDS)})",
            file=str(path),
        )
    return frame


def compare_pairs(settings: Settings, pairs: pd.DataFrame, source: str = "pairs") -> pd.DataFrame:
    """``pairs`` with ``score`` and ``reasons`` added, in the same row order.

    Raises ``NotFoundError`` if no model was trained yet (``ringfence resolve`` trains it).
    """
    from splink import DuckDBAPI, Linker

    model, tfs = load_model(settings)
    if pairs.empty:
        return pairs.assign(score=pd.Series(dtype=float), reasons=pd.Series(dtype=str))
    records = pd.concat(
        [_side(pairs, "left", "L", source), _side(pairs, "right", "R", source)],
        ignore_index=True,
    )
    cleaned = prepare_mentions(pa.Table.from_pandas(records, preserve_index=False))
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(cleaned), model, log_level=None)
    logging.getLogger("splink").setLevel(logging.ERROR)
    for column, table in tfs.items():
        linker.table_management.register_term_frequency_lookup(db_api.register(table), column)
    ids = [f"{i:09d}" for i in range(len(pairs))]
    blocked = pa.table(
        {
            "match_key": ["0"] * len(ids),
            "join_key_l": ["L" + i for i in ids],
            "join_key_r": ["R" + i for i in ids],
        }
    )
    linker.table_management.register_blocked_pairs_for_predict(db_api.register(blocked))
    scored = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    scored["row"] = scored["unique_id_l"].str[1:].astype(int)
    by_row = scored.set_index("row")
    out = pairs.copy()
    out["score"] = [round(float(by_row.at[i, "match_probability"]), 6) for i in range(len(pairs))]
    out["reasons"] = [
        "; ".join(pair_reasons(by_row.loc[i].to_dict())) or "no field to compare"
        for i in range(len(pairs))
    ]
    return out


def _side(pairs: pd.DataFrame, side: str, prefix: str, source: str) -> pd.DataFrame:
    """One side of the pairs as party records, cleaned like ingestion cleans them."""
    rows = []
    for i, raw in enumerate(pairs.to_dict("records")):
        record = {f: str(raw.get(f"{side}_{f}") or "").strip() or None for f in PAIR_FIELDS}
        record["id"] = f"{prefix}{i:09d}"
        rows.append(_clean_record(record, i + 1, side, source))
    return pd.DataFrame(rows, columns=["id", *PAIR_FIELDS])


def _clean_record(record: dict[str, str | None], row: int, side: str, source: str) -> dict:
    """Country, phone and e-mail through the model's value types; schema checked."""
    for field, value_type in (
        ("country", types.country),
        ("phone", types.phone),
        ("email", types.email),
    ):
        raw = record[field]
        if not raw:
            continue
        try:
            record[field] = value_type.clean(raw, record["country"] if field == "phone" else None)
        except InvalidValue as exc:
            raise InputFileError(str(exc), file=source, row=row, field=f"{side}_{field}") from None
    schema = record["schema"] or "LegalEntity"
    if schema not in SCHEMAS:
        raise InputFileError(
            f"schema must be one of {', '.join(SCHEMAS)}, not {schema!r}",
            file=source,
            row=row,
            field=f"{side}_schema",
        )
    record["schema"] = schema
    return record
