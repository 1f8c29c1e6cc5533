"""Ingesting a messy parties file: how many rows are kept, and how fast, with field problems.

    .venv/bin/python bench/ingest_messy.py [--rows 20000] [--seed 7] [--work DIR]

Writes a canonical ``parties`` CSV that the simulator did not make, with the contact noise of
real account exports: local phone numbers beside a ``country`` column, numbers libphonenumber
calls impossible (``+33 995 900 8351``, ``0034-0049680172``), ``00`` prefixes, junk (``n/a``),
odd e-mails (no top-level domain, two ``@``, spaces, ``mailto:``), rows without a country, a few
rows without a name and a few repeated ids. Then, each in its own child process:
1. ``ringfence ingest parties FILE --json`` (field problems; rows kept);
2. the same with ``--strict`` into a fresh data directory (every bad value quarantines its row,
   the behaviour before field problems);
3. the same file again into the first directory (idempotence: nothing may be added).
Prints one JSON object; the headline figures are those of run 1.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

import phonenumbers
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BIN, machine, run_measured

COUNTRIES = ["DE", "FR", "ES", "GB", "IT", "NL", "PL", "TR", "CN", "US", "BR", "IN", "BE", "AT"]
FIRST = [
    "Anna",
    "Jean",
    "Maria",
    "Ahmet",
    "Wei",
    "John",
    "Lucia",
    "Piotr",
    "Sofia",
    "Raj",
    "Lars",
    "Emma",
    "Carlos",
    "Fatima",
    "Ivan",
    "Mei",
    "Tom",
    "Elif",
    "Marco",
    "Nina",
]
LAST = [
    "Müller",
    "Dupont",
    "García",
    "Yılmaz",
    "Zhang",
    "Smith",
    "Rossi",
    "Kowalski",
    "Silva",
    "Patel",
    "de Vries",
    "Novak",
    "Schmidt",
    "Martin",
    "López",
    "Chen",
    "Brown",
    "Kaya",
]
TRADE = [
    "Trading",
    "Global",
    "Import Export",
    "Logistics",
    "Textiles",
    "Electronics",
    "Goods",
    "Commerce",
    "Supply",
    "Retail",
]
FORMS = ["Ltd", "GmbH", "SARL", "S.L.", "S.p.A.", "B.V.", "Sp. z o.o.", "Co., Ltd", "Inc.", ""]
JUNK_PHONES = ["n/a", "-", "none", "tel", "0", "123", "+", "???"]


def _local_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    example = phonenumbers.example_number(region)
    digits = str(example.national_number)
    keep = max(2, len(digits) - 6)
    national = digits[:keep] + "".join(rng.choice("0123456789") for _ in digits[keep:])
    return phonenumbers.PhoneNumber(
        country_code=example.country_code, national_number=int(national)
    )


def _phone(rng: random.Random, region: str) -> str:
    number = _local_number(rng, region)
    roll = rng.random()
    if roll < 0.35:  # written as at home, beside the country column
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if roll < 0.65:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if roll < 0.72:
        return "00" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    if roll < 0.82:  # impossible: a digit too many or too few, or a trunk 0 kept after the code
        digits = str(number.national_number)
        digits = digits + rng.choice("0123456789") if rng.random() < 0.5 else digits[:-2]
        return f"+{number.country_code} {digits}"
    if roll < 0.86:
        return f"00{number.country_code}-00{number.national_number}"
    if roll < 0.90:
        return rng.choice(JUNK_PHONES)
    return ""


def _email(rng: random.Random, name: str) -> str:
    user = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:12] or "info"
    domain = rng.choice(["example.com", "mail.example.de", "shop.example.fr", "example.cn"])
    roll = rng.random()
    if roll < 0.60:
        return f"{user}@{domain}"
    if roll < 0.68:
        return f"{user.upper()}@{domain.upper()}"
    if roll < 0.72:
        return f"mailto:{user}@{domain}"
    if roll < 0.76:
        return f"{user}@{domain.rsplit('.', 1)[0]}"  # no top-level domain
    if roll < 0.79:
        return f"{user}@@{domain}"
    if roll < 0.82:
        return f"{user} @{domain}"
    if roll < 0.84:
        return f"{user}@{domain.replace('.', ',')}"
    return ""


def _name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return f"{rng.choice(LAST)} {rng.choice(TRADE)} {rng.choice(FORMS)}".strip()


def write_file(path: Path, rows: int, seed: int) -> None:
    """The messy parties CSV (canonical columns, no mapping needed)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "street", "city", "postcode", "country", "phone", "email"])
        for i in range(rows):
            region = rng.choice(COUNTRIES)
            name = _name(rng) if rng.random() > 0.004 else ""
            country = region if rng.random() > 0.06 else ""
            key = f"A{i}" if rng.random() > 0.01 else f"A{rng.randrange(max(i, 1))}"
            writer.writerow(
                [
                    key,
                    name,
                    f"{rng.randint(1, 200)} Main Street",
                    "Somewhere",
                    f"{rng.randint(1000, 99999)}",
                    country,
                    _phone(rng, region),
                    _email(rng, name),
                ]
            )


def _ingest(path: Path, data_dir: Path, *extra: str) -> dict[str, object]:
    args = [
        str(BIN / "ringfence"),
        "ingest",
        "parties",
        str(path),
        "--org",
        "market",
        "--json",
        *extra,
    ]
    result = run_measured(args, env={"RINGFENCE_DATA_DIR": str(data_dir)})
    summary = json.loads(result.pop("stdout"))
    return {
        key: summary[key]
        for key in ("rows_read", "accepted", "quarantined", "duplicates", "field_problems")
    } | {
        "seconds": round(result["seconds"], 2),  # the whole command, start-up included
        "file_seconds": summary["files"][0]["seconds"],  # reading to committing the file
        "peak_rss_mib": round(result["peak_rss_mib"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ringfence-messy-"))
    try:
        path = work / "accounts.csv"
        work.mkdir(parents=True, exist_ok=True)
        write_file(path, args.rows, args.seed)
        default = _ingest(path, work / "data")
        strict = _ingest(path, work / "strict", "--strict")
        again = _ingest(path, work / "data")
        parties = pq.read_table(work / "data" / "lake" / "parties", columns=["phone"])
        phones = [p for p in parties.column("phone").to_pylist() if p]
        report = {
            "file": {"rows": args.rows, "seed": args.seed},
            **default,
            "quarantined_share": round(default["quarantined"] / default["rows_read"], 4),
            "phones_e164": sum(p.startswith("+") for p in phones),
            "phones_unverified": sum(p.startswith("~") for p in phones),
            "strict": strict
            | {"quarantined_share": round(strict["quarantined"] / strict["rows_read"], 4)},
            "reingest": again,
            "machine": machine(),
        }
        print(json.dumps(report, indent=1))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
