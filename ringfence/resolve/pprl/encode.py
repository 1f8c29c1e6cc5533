"""Encode party records into keyed Bloom-filter encodings (CLKs), exact codes and block keys.

Each record becomes: one CLK of ``clk_bits`` bits into which every q-gram of every fuzzy field
(name, street, city, postcode, country, date of birth) is hashed ``k[field]`` times by keyed
double hashing; one HMAC code per strong identifier (phone, e-mail, identifier, bank account)
for equality tests; and keyed block keys (Soundex of each name word and word pair, with the
country) that decide which pairs are compared; with ``name_nicknames`` also a person's keyed
nickname keys (evidence for a fitted model, not block keys). Hashing into 2 x clk_bits and
XOR-folding is the default (docs/pprl.md); with ``flip_probability`` (or a field's own rate,
``field_flip_probabilities``) every non-empty filter then gets BLIP's keyed bit flips
(``flip_mask``).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.errors import UserError
from ringfence.model import types
from ringfence.model.types import InvalidValue
from ringfence.resolve.names import fold_text, name_tokens
from ringfence.resolve.names.nicknames import nickname_keys
from ringfence.resolve.pprl.name_block import (
    NAME_KEY_COUNT,
    WORD_KEY_COUNT,
    is_word_text,
    name_key_texts,
    over_shared,
)
from ringfence.resolve.pprl.params import (
    CLK_FIELDS,
    DATE_BLOCK_DIGITS,
    EXACT_FIELDS,
    PprlParams,
    derive_key,
    file_metadata,
)

Progress = Callable[[str, int, int | None], None]
_CHUNK_ROWS = 20_000  # bounds the unpacked bit matrix to ~40 MB at 2048 bits
PARTY_COLUMNS = ("id", "schema", "name", "street", "city", "postcode", "country", "phone",
                 "email", "identifier", "bank_account", "birth_date")  # fmt: skip


def encoding_schema(params: PprlParams) -> pa.Schema:
    """Arrow schema of an encodings table: id, CLK, one exact code per identifier, block keys,
    a ``clk_<field>`` filter per field of ``params.field_filters``, with
    ``params.name_nicknames`` the nickname keys and, with ``params.name_key_max_share``, how
    many of a record's block keys are its name's one-word keys and its name's keys
    (``name_block.WORD_KEY_COUNT``, ``NAME_KEY_COUNT``): their count alone no longer tells."""
    width = params.clk_bits // 8
    return pa.schema(
        [pa.field("id", pa.string(), nullable=False),
         pa.field("clk", pa.binary(width), nullable=False)]
        + [pa.field(f"{name}_hmac", pa.string()) for name in EXACT_FIELDS]
        + [pa.field("block_keys", pa.list_(pa.string()), nullable=False)]
        + [pa.field(f"clk_{name}", pa.binary(width), nullable=False)
           for name in params.field_filters]
        + [pa.field("nickname_keys", pa.list_(pa.string()), nullable=False)]
        * params.name_nicknames
        + [pa.field(WORD_KEY_COUNT, pa.int16(), nullable=False),
           pa.field(NAME_KEY_COUNT, pa.int16(), nullable=False)]
        * bool(params.name_key_max_share)
    )  # fmt: skip


def encode_parties(
    table: pa.Table,
    secret: bytes,
    params: PprlParams | None = None,
    progress: Progress | None = None,
) -> pa.Table:
    """Encode a parties table (canonical columns, strings) into its PPRL encodings.

    Values that do not clean (a phone that is no phone number) are left out of the encoding
    rather than rejecting the record: the other fields can still find its match.
    """
    params = params or PprlParams()
    if "id" not in table.column_names:
        raise UserError("parties table has no 'id' column")
    cleaned = clean_parties(table)
    encoder = _Encoder(secret, params)
    n = table.num_rows
    names = ["clk", *(f"clk_{f}" for f in params.field_filters)]
    filters: dict[str, list[bytes]] = {name: [] for name in names}
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(n, start + _CHUNK_ROWS)
        filters["clk"].extend(encoder.clks(cleaned, start, stop))
        for field_name in params.field_filters:
            filters[f"clk_{field_name}"].extend(encoder.clks(cleaned, start, stop, field_name))
        if progress:
            progress("encode parties", stop, n)
    columns: dict[str, Any] = {"id": cleaned["id"], "clk": filters.pop("clk")}
    for name in EXACT_FIELDS:
        columns[f"{name}_hmac"] = [encoder.exact_code(name, v) for v in cleaned[name]]
    # Dates over-frequent in this file (a 1 January placeholder) get no exact date key; name
    # keys too many of its records hold, none (``name_key_max_share``).
    over = over_frequent_dates(cleaned["birth_date"], params.date_key_max_ratio)
    texts = [
        name_key_texts(words, country, params.block_words)
        for words, country in zip(cleaned["name_tokens"], cleaned["country"], strict=True)
    ]
    withheld = over_shared(texts, params.name_key_max_share)
    columns["block_keys"] = [
        encoder.block_keys(record, withheld)
        + encoder.field_block_keys({f: cleaned[f][row] for f in params.block_on},
                                   cleaned["country"][row], over)
        for row, record in enumerate(texts)
    ]  # fmt: skip
    if params.name_key_max_share:
        kept = [[t for t in record if t not in withheld] for record in texts]
        columns[WORD_KEY_COUNT] = [sum(map(is_word_text, record)) for record in kept]
        columns[NAME_KEY_COUNT] = [len(record) for record in kept]
    columns |= filters
    if params.name_nicknames:
        columns["nickname_keys"] = [
            encoder.nickname_keys(words, country) if person else []
            for words, country, person in zip(
                cleaned["name_tokens"], cleaned["country"], _persons(table), strict=True
            )
        ]
    schema = encoding_schema(params).with_metadata(file_metadata(params, secret))
    return pa.Table.from_pydict(columns, schema=schema)


def over_frequent_dates(dates: Sequence[Sequence[str]], max_ratio: float) -> frozenset[str]:
    """The dates (cleaned digits, ``19560909``; a partial date as far as it goes) held by more
    than ``max_ratio`` x max(1, u) of the records, u being the records dated in that birth
    year spread uniformly over the year's days (``PprlParams.date_key_max_ratio``; a record's
    dates as ``clean_parties`` gives them, a list of at most one). None when ``max_ratio`` is 0.

    Counted on the encoder's own file only: ``18620101`` held by 170 of the 537 records dated
    1862 (u = 1.47) is over-frequent at any ratio below 115; a date 13 of them share is not
    at ratio 10; in a file of a few records a year, a date needs more than ``max_ratio``.
    """
    if not max_ratio:
        return frozenset()
    counts = Counter(words[0] for words in dates if words)
    years: Counter[str] = Counter()
    for date, count in counts.items():
        years[date[:4]] += count
    over = set()
    for date, count in counts.items():
        year = date[:4]
        days = 366 if year.isdigit() and calendar.isleap(int(year)) else 365
        if count > max_ratio * max(1.0, years[year] / days):
            over.add(date)
    return frozenset(over)


def _persons(table: pa.Table) -> list[bool]:
    """Whether each record may be a person: its schema is Person, or it has none."""
    return [v is None or v.strip() in ("", "Person") for v in _column(table, "schema")]


def _column(table: pa.Table, name: str) -> list[str | None]:
    if name not in table.column_names:
        return [None] * table.num_rows
    return [None if v is None else str(v) for v in table.column(name).to_pylist()]


def _clean_or_none(vtype: types.ValueType, raw: str | None, hint: str | None = None) -> Any:
    if raw is None or not raw.strip():
        return None
    try:
        return vtype.clean(raw, hint)
    except InvalidValue:
        return None


def clean_parties(table: pa.Table) -> dict[str, list[Any]]:
    """Clean the fields the encoding uses with Ringfence's value types (None where unusable).

    Phones are read with the record's own country as the default country, so a national number
    ("030 1234567" in DE) and its international form encode alike.
    """
    ids = _column(table, "id")
    missing = [i + 1 for i, v in enumerate(ids) if v is None or not v.strip()]
    if missing:
        raise UserError(f"{len(missing)} rows have no id (first: row {missing[0]})")
    reg = types.registry
    country = [_clean_or_none(reg["country"], v) for v in _column(table, "country")]
    phone_cache: dict[tuple[str | None, str | None], str | None] = {}
    phones = []
    for raw, hint in zip(_column(table, "phone"), country, strict=True):
        if (raw, hint) not in phone_cache:
            phone_cache[(raw, hint)] = _clean_or_none(reg["phone"], raw, hint)
        phones.append(phone_cache[(raw, hint)])
    cleaned: dict[str, list[Any]] = {
        "id": [v.strip() for v in ids if v is not None],
        "country": country,
        "phone": phones,
        "name_tokens": [name_tokens(v) for v in _column(table, "name")],
    }
    for name in ("street", "city", "postcode"):
        cleaned[name] = [fold_text(v).split() for v in _column(table, name)]
    for name in ("email", "identifier", "bank_account"):
        cleaned[name] = [_clean_or_none(reg[name], v) for v in _column(table, name)]
    # A date of birth as ingestion cleans it (1956-09-09, 1956-09, 1956), hashed as one word
    # of its digits: a typo changes two bigrams, a year alone shares the year's with the date.
    dates = [_clean_or_none(reg["birth_date"], v) for v in _column(table, "birth_date")]
    cleaned["birth_date"] = [[d.replace("-", "")] if d else [] for d in dates]
    return cleaned


def qgrams(words: Sequence[str], q: int, padding: str) -> set[str]:
    """The padded q-grams of each word (a set: repeats add no bits to a Bloom filter).

    Padding marks word starts and ends, so "ann" and "anna" differ in more than one q-gram and
    one-letter words still yield grams.
    """
    pad = padding * (q - 1)
    grams: set[str] = set()
    for word in words:
        padded = f"{pad}{word}{pad}"
        grams.update(padded[i : i + q] for i in range(len(padded) - q + 1))
    return grams


def flip_mask(flip_key: bytes, filter_name: str, record_id: str, params: PprlParams) -> np.ndarray:
    """BLIP's flips for one filter of one record: ``clk_bits`` booleans, each true with
    probability f / 2 for the filter's f (``params.filter_flip_probability``: the field's own
    rate or ``flip_probability``; Schnell & Borgs: a bit is replaced by a fair random bit with
    probability f, so it changes with probability f/2).

    Drawn from SHAKE-256 keyed with a key derived from the secret (a PRF, like KMAC) over the
    filter's name and the record id, 16 bits per filter bit: unpredictable without the
    secret, and the same record id always gets the same flips, so encoding a file again
    gives the same bytes and repeated encodings cannot be averaged to remove the noise.
    """
    message = flip_key + filter_name.encode() + b"\x00" + record_id.encode()
    draws = np.frombuffer(hashlib.shake_256(message).digest(2 * params.clk_bits), dtype=">u2")
    f = params.filter_flip_probability(filter_name)
    return np.asarray(draws < round(f / 2 * 65536))


class _Encoder:
    """Keys and caches of one encoding run (q-gram positions repeat across records)."""

    def __init__(self, secret: bytes, params: PprlParams) -> None:
        self.params = params
        self.field_keys = {f: derive_key(secret, f"clk:{f}") for f in CLK_FIELDS}
        # A field's own filter hashes under a key of its own: its bits say nothing about
        # which bits of the record's CLK that field set.
        self.filter_keys = {f: derive_key(secret, f"field:{f}") for f in params.field_filters}
        # The town's q-grams in its hosts' filters (``town_with``) hash under the town filter's
        # key; a town filter kept for records without a host (``town_filter_without_host``)
        # under one of its own, so its bits say nothing about the town's bits in a composite.
        self.host_town_key = derive_key(secret, "field:city")
        if params.town_filter_without_host:
            self.filter_keys["city"] = derive_key(secret, "field:city:without-host")
        self.exact_keys = {f: derive_key(secret, f"exact:{f}") for f in EXACT_FIELDS}
        self.block_key = derive_key(secret, "block")
        self.flip_key = derive_key(secret, "flip")
        self._positions: dict[tuple[str, str, bool, bool], list[int]] = {}
        self._block_cache: dict[str, str] = {}

    def positions(
        self, field_name: str, gram: str, own: bool = False, in_host: bool = False
    ) -> list[int]:
        """Bit positions of one q-gram: double hashing h1 + i*h2 (i < k) on a keyed HMAC
        (the field's own filter's key with ``own``, the town's in a composite with
        ``in_host``, else the CLK's)."""
        cached = self._positions.get((field_name, gram, own, in_host))
        if cached is None:
            if in_host:
                key = self.host_town_key
            else:
                key = (self.filter_keys if own else self.field_keys)[field_name]
            digest = hmac.digest(key, gram.encode(), "sha256")
            h1 = int.from_bytes(digest[:8], "big")
            h2 = int.from_bytes(digest[8:16], "big") | 1  # odd: never a zero step
            m = self.params.filter_bits
            cached = [(h1 + i * h2) % m for i in range(self.params.k.get(field_name, 0))]
            self._positions[(field_name, gram, own, in_host)] = cached
        return cached

    def _record_words(self, cleaned: dict[str, list[Any]], row: int) -> dict[str, list[str]]:
        country = cleaned["country"][row]
        return {
            "name": cleaned["name_tokens"][row],
            "street": cleaned["street"][row],
            "city": cleaned["city"][row],
            "postcode": cleaned["postcode"][row],
            "country": [country.lower()] if country else [],
            "birth_date": cleaned["birth_date"][row],
        }

    def clks(
        self, cleaned: dict[str, list[Any]], start: int, stop: int, only: str | None = None
    ) -> list[bytes]:
        """CLKs of rows ``start:stop`` as packed bytes (most significant bit first); with
        ``only``, that field's own filter instead (with the town's q-grams where ``only`` is a
        host of ``town_with`` and the record holds it; the town's own filter with
        ``town_filter_without_host`` holds the town of records holding no host only)."""
        rows: list[int] = []
        cols: list[int] = []
        q, pad = self.params.q, self.params.padding
        own = only is not None
        # A composite filter (``PprlParams.town_with``): the host field's q-grams and, where
        # the record holds the host, the town's.
        with_town = own and only in self.params.town_with
        hosts = self.params.town_with if only == "city" else ()
        for row in range(start, stop):
            record = self._record_words(cleaned, row)
            if any(record[host] for host in hosts):
                continue  # its town is in a composite (``town_filter_without_host``)
            for field_name, words in record.items():
                in_host = with_town and field_name == "city"
                if own and field_name != only and not (in_host and record[str(only)]):
                    continue
                for gram in qgrams(words, q, pad):
                    bits = self.positions(field_name, gram, own, in_host)
                    cols.extend(bits)
                    rows.extend([row - start] * len(bits))
        matrix = np.zeros((stop - start, self.params.filter_bits), dtype=bool)
        matrix[rows, cols] = True
        present = matrix.any(axis=1)
        if self.params.xor_fold:
            half = self.params.clk_bits
            matrix = matrix[:, :half] ^ matrix[:, half:]
        name = "clk" if only is None else f"clk_{only}"
        if self.params.filter_flip_probability(name):
            for held in np.flatnonzero(present).tolist():
                matrix[held] ^= flip_mask(
                    self.flip_key, name, cleaned["id"][start + held], self.params
                )
        packed = np.packbits(matrix, axis=1)
        return [bytes(r) for r in packed]

    def exact_code(self, field_name: str, value: str | None) -> str | None:
        """Keyed code of a cleaned identifier, compared by equality only."""
        if value is None:
            return None
        digest = hmac.digest(self.exact_keys[field_name], value.encode(), "sha256")
        return digest[: self.params.exact_bytes].hex()

    def block_keys(self, texts: list[str], withheld: frozenset[str]) -> list[str]:
        """Keyed blocking keys of a name's key texts (``name_block.name_key_texts``: the
        Soundex code of each word and each pair of words, with the country), but those of
        ``withheld`` (``PprlParams.name_key_max_share``).

        One key per word lets "ZHANG Wei" meet "Zhang Wie" through "zhang" despite the typo;
        one key per pair of words keeps common words useful: "zhang" alone is shared by
        thousands in China (the matcher skips such oversized blocks), "zhang + wei" is not.
        """
        return [self._block_key(text) for text in texts if text not in withheld]

    def field_block_keys(
        self, values: dict[str, list[str]], country: str | None, over: frozenset[str] = frozenset()
    ) -> list[str]:
        """Keyed block keys of whole field values (``PprlParams.block_on``) with the country;
        none for a field the record lacks. With a coarser ``date_block`` the date's key holds
        its year (and month) only, a partial date as far as it goes. A date of ``over`` (over-
        frequent in the file, ``over_frequent_dates``) gets no key, or with ``date_key_fallback
        = "year"`` its year's key."""
        keys = []
        for name, words in values.items():
            if not words:
                continue
            value = " ".join(words)
            precision = self.params.date_block
            if name == "birth_date" and value in over:
                if self.params.date_key_fallback != "year":
                    continue
                precision = "year"
            if name == "birth_date" and precision != "day":
                value = f"@{precision}:{value[: DATE_BLOCK_DIGITS[precision]]}"
            keys.append(self._block_key(f"{name}:{value}|{country or ''}"))
        return keys

    def nickname_keys(self, words: list[str], country: str | None) -> list[str]:
        """Keyed nickname keys of a person's name (``names.nicknames.nickname_keys``) with
        the country: "Bill Searle" and "William Searle" share one; none when no word of the
        name is a given name the nickname table knows."""
        keys = nickname_keys(" ".join(words)) or ()
        return [self._block_key(f"nickname:{key}|{country or ''}") for key in keys]

    def _block_key(self, text: str) -> str:
        key = self._block_cache.get(text)
        if key is None:
            digest = hmac.digest(self.block_key, text.encode(), "sha256")
            key = self._block_cache[text] = digest[: self.params.block_bytes].hex()
        return key
