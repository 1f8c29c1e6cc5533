"""Re-create bench/data/names/*.tsv from a checkout of steveash/NETransliteration-COLING2018.

    .venv/bin/python bench/_names_extract.py PATH_TO_CHECKOUT_OR_GIT_DIR

The data is Wikidata's (CC0 1.0), as released with Merhav & Ash, "Design Challenges in Named
Entity Transliteration" (COLING 2018). Kept: a seeded sample of the full person names in
English / Hebrew and English / Korean, and of the single-word English / Russian, Chinese and
Arabic pairs (the ``_80`` and ``_20`` slices; characters re-joined). See bench/data/names/README.md.
"""

from __future__ import annotations

import argparse
import random
import subprocess
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "names"
FULL = {"he": "wd_hebrew", "ko": "wd_korean"}
WORDS = {"ru": "wd_russian", "zh": "wd_chinese", "ar": "wd_arabic"}
PER_LANGUAGE = 5000


def _read(source: Path, name: str) -> list[str]:
    """A data file from a work tree, or from a bare git directory at HEAD."""
    plain = source / "data" / name
    if plain.is_file():
        return plain.read_text(encoding="utf-8").splitlines()
    shown = subprocess.run(
        ["git", "--git-dir", str(source), "show", f"HEAD:data/{name}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return shown.stdout.splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    args = parser.parse_args()
    rng = random.Random(20261203)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = ["lang\tenglish\tnative"]
    for lang, name in FULL.items():
        pairs = sorted({tuple(line.split("\t")) for line in _read(args.source, name)})
        pairs = [p for p in pairs if len(p) == 2 and "," not in p[1] and " " in p[0]]
        rows += [f"{lang}\t{en}\t{nat}" for en, nat in rng.sample(pairs, PER_LANGUAGE)]
    (OUT / "wikidata_person_names.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    rows = ["lang\tenglish\tnative"]
    for lang, stem in WORDS.items():
        seen: dict[str, str] = {}
        for part in ("80", "20"):
            for line in _read(args.source, f"{stem}_{part}"):
                cols = line.split("\t")
                if len(cols) == 3 and cols[0] not in seen:
                    seen[cols[0]] = cols[1].replace(" ", "")
        words = sorted(seen.items())
        rows += [f"{lang}\t{en}\t{nat}" for en, nat in rng.sample(words, PER_LANGUAGE)]
    (OUT / "wikidata_name_words.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
