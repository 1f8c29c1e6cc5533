"""CSV exports that a spreadsheet opens as data, never as formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV or formula injection: ``=HYPERLINK(...)`` exfiltrates the
sheet, ``=cmd|...`` runs commands on old versions). Every CSV the service writes passes its cells
through :func:`neutralise_cell`, which prefixes such cells with a single quote, the convention
spreadsheets display as a literal text marker (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-12.5", "+3", "1e-5") is data to every spreadsheet, whatever its sign.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutralise_cell(value: Any) -> str:
    """The text of ``value`` as a CSV cell that spreadsheets will not evaluate.

    ``None`` becomes an empty cell; a number, or text that is exactly a plain number, stays as it
    is (``-3`` and ``1e-5`` are data, and a spreadsheet reads them as numbers); any other text
    starting with a formula trigger gets a leading ``'``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document (header line, then rows), every cell neutralised."""
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()


def write_csv(handle: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write CSV (header line, then rows) to an open text ``handle`` as the rows come, every
    cell neutralised."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([neutralise_cell(name) for name in header])
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
