"""The vendored JavaScript is exactly what ringfence/web/static/vendor/README.md records."""

from __future__ import annotations

import hashlib
import re

from ringfence.web.render import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"
# | `file.js` | `package` | version | ... | `sha256` |
ROW = re.compile(r"^\| `(?P<file>[^`]+\.js)` \| `[^`]+` \| [^ ]+ \|.*`(?P<sha>[0-9a-f]{64})` \|$")


def test_every_vendored_file_is_listed_with_its_checksum() -> None:
    listed = {
        found["file"]: found["sha"]
        for line in (VENDOR / "README.md").read_text(encoding="utf-8").splitlines()
        if (found := ROW.match(line))
    }
    on_disk = {path.name for path in VENDOR.glob("*.js")}
    assert set(listed) == on_disk
    for name, sha in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha, name
