"""Writing feeds byte-for-byte reproducibly: CSV in any encoding, gzip'd JSON lines, Parquet."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ringfence.sim.aliases import fold_to


def fold_columns(table: pa.Table, encoding: str, only: set[str] | None = None) -> pa.Table:
    """Replace characters a one-byte code page cannot hold, as the partner's system would.

    Works on each column's distinct values only, so it stays cheap on a million rows;
    ``only`` names the free-text columns (codes and numbers never need folding).
    """
    for i, name in enumerate(table.column_names):
        col = table.column(i)
        if not pa.types.is_string(col.type) or (only is not None and name not in only):
            continue
        encoded = col.combine_chunks().dictionary_encode()
        uniques = encoded.dictionary
        # Only values outside ASCII can need folding; most columns have none.
        odd = np.flatnonzero(pc.fill_null(pc.match_substring_regex(uniques, "[^\\x00-\\x7f]"),
                                          False).to_numpy(zero_copy_only=False))
        if not len(odd):
            continue
        values = uniques.to_pylist()
        changed = False
        for j in odd:
            folded = fold_to(values[j], encoding)
            changed |= folded != values[j]
            values[j] = folded
        if changed:
            new = pc.take(pa.array(values, pa.string()), encoded.indices)
            table = table.set_column(i, name, new)
    return table


def write_csv(table: pa.Table, path: Path, *, delimiter: str = ",", encoding: str = "utf-8",
              bom: bool = False, text_columns: set[str] | None = None) -> None:
    """CSV with a header; non-UTF-8 encodings are folded to what the code page can hold."""
    if encoding.lower() not in ("utf-8", "utf8"):
        table = fold_columns(table, encoding, text_columns)
    buf = io.BytesIO()
    options = pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed")
    pacsv.write_csv(table, buf, options)
    data = buf.getvalue()
    if encoding.lower() not in ("utf-8", "utf8"):
        data = data.decode("utf-8").encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def _json_values(col: pa.Array) -> pa.Array:
    """Each value of a column as JSON text (``null`` for nulls), computed column-wise."""
    t = col.type
    if pa.types.is_boolean(t):
        out = pc.if_else(col, "true", "false")
    elif pa.types.is_string(t) or pa.types.is_date(t):
        text = col.cast(pa.string())
        # Generated text has no control characters; quotes and backslashes need escaping.
        text = pc.replace_substring(text, "\\", "\\\\")
        text = pc.replace_substring(text, '"', '\\"')
        out = pc.binary_join_element_wise('"', text, '"', "")
    elif pa.types.is_list(t):  # items as JSON values, joined: ``["AE","DE"]``, ``[]``
        offsets = col.offsets.to_numpy()  # of a slice they do not start at 0
        items = pa.ListArray.from_arrays(pa.array(offsets - offsets[0]),
                                         _json_values(pc.list_flatten(col)))
        out = pc.binary_join_element_wise("[", pc.binary_join(items, ","), "]", "")
        out = pc.if_else(pc.is_null(col), pa.nulls(len(col), pa.string()), out)
    else:
        out = col.cast(pa.string())
    return pc.fill_null(out, "null")


def jsonl_bytes(table: pa.Table) -> bytes:
    """The table as JSON lines (UTF-8), built with Arrow kernels rather than a loop over rows."""
    if table.num_rows == 0:
        return b""
    parts: list[pa.Array | str] = []
    for i, name in enumerate(table.column_names):
        parts.append(("{" if i == 0 else ",") + json.dumps(name) + ":")
        parts.append(_json_values(table.column(i).combine_chunks()))
    lines = pc.binary_join_element_wise(*parts, "}\n", "")
    # The lines' data buffer is exactly the file: every value ends in a newline.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[
        lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    return data.to_pybytes()[int(offsets[0]) : int(offsets[-1])]


def write_jsonl(table: pa.Table, path: Path, *, compress: bool = True) -> None:
    """JSON lines, one object per row; gzip without a timestamp so that the same table always
    gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # In slices: one Arrow string array holds at most 2 GB of text.
    slices = (table.slice(i, 200_000) for i in range(0, table.num_rows, 200_000))
    with path.open("wb") as raw:
        if not compress:
            for part in slices:
                raw.write(jsonl_bytes(part))
            return
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) as out:
            for part in slices:
                out.write(jsonl_bytes(part))


def write_parquet(table: pa.Table, path: Path) -> None:
    """Parquet (zstd); pyarrow writes identical bytes for identical tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
