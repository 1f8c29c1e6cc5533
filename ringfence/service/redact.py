"""What a message may say about the server: file names, never the server's absolute paths.

Errors of ingest jobs name the file they concern (``InputFileError`` puts the path first); a job
reads its upload from the server's data directory, so the raw message would tell every caller of
the organisation where the server keeps its data. ``public_message`` keeps the file's name only.
"""

from __future__ import annotations

import re
from typing import Any

# An absolute POSIX or Windows path of at least two components, not part of a URL ("http://").
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w:/\\.])(?:[A-Za-z]:)?[/\\](?:[^/\\\s'\":,;()]+[/\\])+([^/\\\s'\":,;()]+)"
)


def public_message(text: str) -> str:
    """``text`` with every absolute path replaced by its last component (the file name)."""
    return _ABSOLUTE_PATH.sub(r"\1", text)


def public_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """An ingest summary whose files and mappings are named, not located."""
    files = []
    for entry in summary.get("files") or []:
        entry = dict(entry)
        for key in ("file", "mapping"):
            if isinstance(entry.get(key), str):
                entry[key] = public_message(entry[key])
        entry["warnings"] = [public_message(str(w)) for w in entry.get("warnings") or []]
        files.append(entry)
    return {**summary, "files": files} if "files" in summary else summary
