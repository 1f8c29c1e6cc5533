"""Cleaning party mentions before matching: one comparable form per field.

The lake already holds E.164 phones and ISO countries (ingestion cleaned them); what differs
between partners is how they *write* names, e-mails, addresses and identifiers. Cleaning runs on
Arrow in Python, once per distinct value (names and streets repeat a lot), so the same code feeds
the DuckDB and the Spark backend of Splink and gives both the same input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import normality
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rigour.text.phonetics import metaphone

from ringfence.resolve.names import fold_text, name_tokens
from ringfence.resolve.names.nicknames import nickname_keys

# The columns Splink sees, in order; ``unique_id`` is the party record's id.
MATCH_COLUMNS = (
    "unique_id", "schema", "name_norm", "name_phon", "name_first", "name_letters", "phone",
    "email", "email_domain", "identifier", "bank_account", "street_norm", "postcode",
    "city_norm", "address_key", "place_key", "country", "name_prefix", "postcode_prefix",
    "near_keys", "phone_hub", "email_hub", "address_hub", "name_words", "birth_date",
    "name_sounds", "name_person", "name_rare_words", "name_nicknames",
)  # fmt: skip

# Schemas whose names are people's: a typo'd rare name is strong evidence (comparisons.py's
# rare-name adjustment reads ``name_person``, empty for every other schema).
PERSON_SCHEMAS = ("Person",)

# Columns of the ``parties`` dataset the cleaning reads.
SOURCE_COLUMNS = (
    "id", "organisation", "source_key", "role", "schema_", "name", "street", "city",
    "postcode", "country", "phone", "email", "identifier", "bank_account", "birth_date",
)  # fmt: skip

# A phone, e-mail or street address written with at least this many different names (sound
# keys, so one party's spellings count once) is a hub: a forwarder's phone and warehouse on its
# customers' labels, a shared mailbox. Sharing it says nothing unless the names agree too
# (model.py). One party's own contact shows at most 4 sound keys in the 1M simulated world.
HUB_NAMES = 5
# Contact columns that can be hubs, and the flag column of each.
HUB_COLUMNS = {"phone": "phone_hub", "email": "email_hub", "address_key": "address_hub"}
# Characters of the written name and of the postcode in the prefix blocking pass.
NAME_PREFIX = 3
POSTCODE_PREFIX = 3
# Numbering words of a street line, which say nothing about where it is ("No. 236").
_STREET_NUMBERING = frozenset({"no", "nr", "number", "num"})
# Street types, which one list writes and another abbreviates or leaves out ("12224 Ventura
# Blvd." / "12224 Ventura Boulevard", "3130 Piedmont Road" / "... Rd."); kept where no other
# word would be left ("12 Court Road" is not "12 Place Street").
_STREET_TYPES = frozenset(
    {
        "street", "str", "st", "road", "rd", "avenue", "ave", "av", "boulevard", "blvd", "drive",
        "dr", "lane", "ln", "place", "pl", "court", "ct", "crescent", "cres", "highway", "hwy",
        "parkway", "pkwy", "square", "sq", "terrace", "tce", "circuit", "cct",
    }
)  # fmt: skip
# Directions, which one list spells out and another abbreviates ("8358 Sunset Blvd. West" /
# "8358 Sunset Blvd. W."): written as the abbreviation (USPS Publication 28's) where another
# word names the street, kept as words ("100 N Main St" is still not "100 S Main St"), and
# spelt out where the direction is the street's name ("12 North Road").
_DIRECTIONS = {
    "north": "n", "south": "s", "east": "e", "west": "w",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}  # fmt: skip
# Words that join or introduce a name, written or left out at will ("Pano's and Paul's" /
# "Pano's & Paul's", "The Palm" / "Palm"); dropped when the name has other words.
_NAME_FILLERS = frozenset({"and", "the", "und", "et"})
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
# Legal forms names.py does not know, written after folding ("Sp. z o.o." -> "sp z o o").
_MORE_FORMS = frozenset({"sp", "z", "o", "oo", "bv", "ooo", "ek", "eg", "ug"})
# A code page that cannot hold a letter writes "?" for it ("Pó?wiejska"): drop it, not split.
_LOST_LETTER = re.compile(r"\?")


def _latin1_view(text: str) -> str:
    """The text as a Latin-1 system keeps it: lost letters and Latin letters beyond Latin-1 dropped.

    The carrier's ISO-8859-1 address book turns "Półwiejska" into "Pó?wiejska"; dropping "ł"
    on every side makes both writings "powiejska". Other scripts (Cyrillic) are left for
    transliteration.
    """
    text = _LOST_LETTER.sub("", text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if ord(ch) < 256 or not _is_latin(ch))


@lru_cache(maxsize=4096)
def _is_latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


@lru_cache(maxsize=200_000)
def clean_name(raw: str | None) -> str | None:
    """Folded, transliterated, legal forms dropped, words sorted ("Жуков Иван" → "ivan zukov")."""
    if not raw:
        return None
    text = _latin1_view(raw)
    text = text if text.isascii() else (normality.ascii_text(text) or text)
    tokens = [t for t in name_tokens(text) if t not in _MORE_FORMS]
    tokens = [t for t in tokens if t not in _NAME_FILLERS] or tokens
    return " ".join(tokens) or None


@lru_cache(maxsize=200_000)
def name_prefix(raw: str | None) -> str | None:
    """The first letters of the name *as written* (not sorted, legal forms dropped).

    With the postcode's first characters it pairs "Robert Alan" / "Robert Allen" at "2615" /
    "2165", which the sorted first word ("alan" / "allen") and the place both miss.
    """
    norm = clean_name(raw)
    if not norm:
        return None
    words = set(norm.split())
    folded = [w for w in fold_text(_latin1_view(raw or "")).split() if w in words]
    text = "".join(folded) if folded else norm.replace(" ", "")
    return text[:NAME_PREFIX] if len(text) >= NAME_PREFIX else None


def name_letters(norm: str | None) -> str | None:
    """The name's letters sorted: catches split or joined words ("Zhaojun" / "Jun Zhao")."""
    return "".join(sorted(norm.replace(" ", ""))) or None if norm else None


@lru_cache(maxsize=200_000)
def name_phonetic(norm: str | None) -> str | None:
    """Metaphone of each (sorted) name word: spelling variants ("Zhhou"/"Zhou") share a key."""
    if not norm:
        return None
    codes = sorted(metaphone(token) or token for token in norm.split())
    return " ".join(codes) or None


def clean_street(raw: str | None) -> str | None:
    """Street words folded, numbering words and street types dropped, directions abbreviated,
    sorted ("NO. 236 JALAN IPOH" → "236 ipoh jalan")."""
    if not raw:
        return None
    words = [w for w in fold_text(_latin1_view(raw)).split() if w not in _STREET_NUMBERING]
    named = [w for w in words if w not in _STREET_TYPES]
    if any(not w.isdigit() for w in named):
        words = named
    if any(not w.isdigit() and w not in _DIRECTIONS for w in words):
        words = [_DIRECTIONS.get(w, w) for w in words]
    return " ".join(sorted(words)) or None


def clean_code(raw: str | None) -> str | None:
    """Identifiers, accounts and postcodes: upper case, letters and digits only."""
    if not raw:
        return None
    return _NOT_ALNUM.sub("", raw.upper()) or None


def clean_city(raw: str | None) -> str | None:
    """City folded for comparison."""
    return fold_text(raw) or None


def clean_email(raw: str | None) -> str | None:
    """E-mail lower-cased and trimmed (ingestion checked its shape)."""
    return raw.strip().lower() or None if raw else None


def map_distinct(
    column: pa.ChunkedArray | pa.Array,
    fn: Callable[[str | None], Any],
    value_type: pa.DataType | None = None,
) -> pa.Array:
    """Apply ``fn`` once per distinct value of a string column (values repeat a lot); its
    results are of ``value_type`` (strings unless given)."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    values = [fn(v) for v in encoded.dictionary.to_pylist()]
    dictionary = pa.array(values, value_type or pa.string())
    return pc.take(dictionary, encoded.indices)


def _strings(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name in table.column_names:
        return table.column(name).cast(pa.string())
    return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])


def prepare_mentions(parties: pa.Table) -> pa.Table:
    """The cleaned matching table (``MATCH_COLUMNS``) for a table of party mentions.

    Accepts the lake's ``parties`` columns; ``schema`` may be given instead of ``schema_``.
    Missing columns are treated as empty, so hand-written pairs (compare-parties) work too.
    """
    schema_col = "schema_" if "schema_" in parties.column_names else "schema"
    name_norm = map_distinct(_strings(parties, "name"), clean_name)
    email = map_distinct(_strings(parties, "email"), clean_email)
    columns = {
        "unique_id": _strings(parties, "id"),
        "schema": _strings(parties, schema_col),
        "name_norm": name_norm,
        "name_phon": map_distinct(name_norm, name_phonetic),
        "name_first": map_distinct(name_norm, _first_word),
        "name_letters": map_distinct(name_norm, name_letters),
        "phone": map_distinct(
            _strings(parties, "phone"), lambda v: v.strip() or None if v else None
        ),
        "email": email,
        "email_domain": map_distinct(email, _domain),
        "identifier": map_distinct(_strings(parties, "identifier"), clean_code),
        "bank_account": map_distinct(_strings(parties, "bank_account"), clean_code),
        "street_norm": map_distinct(_strings(parties, "street"), clean_street),
        "postcode": map_distinct(_strings(parties, "postcode"), clean_code),
        "city_norm": map_distinct(_strings(parties, "city"), clean_city),
        "country": map_distinct(_strings(parties, "country"), clean_code),
        # Already canonical (ingestion's birth_date type): 1956-09-09, 1956-09 or 1956.
        "birth_date": _strings(parties, "birth_date"),
    }
    columns["name_prefix"] = map_distinct(_strings(parties, "name"), name_prefix)
    columns["postcode_prefix"] = pc.utf8_slice_codeunits(columns["postcode"], 0, POSTCODE_PREFIX)
    # Pair keys of the capped blocking passes (blocking.py fills them where it blocks).
    columns["near_keys"] = pa.array([[]] * parties.num_rows, pa.list_(pa.int64()))
    columns["place_key"] = place_key(columns["postcode"], columns["country"], columns["city_norm"])
    columns["address_key"] = _address_key(columns["street_norm"], columns["place_key"])
    columns["name_words"] = pc.split_pattern(name_norm, " ")
    columns["name_sounds"] = pc.split_pattern(columns["name_phon"], " ")
    for column, flag in HUB_COLUMNS.items():
        columns[flag] = hub_flags(columns[column], columns["name_phon"])
    columns["name_person"] = _person_names(columns["name_letters"], columns["schema"])
    columns["name_rare_words"] = pa.nulls(parties.num_rows, pa.list_(pa.string()))
    columns["name_nicknames"] = _person_nicknames(name_norm, columns["name_person"])
    return pa.table({name: _chunk(columns[name]) for name in MATCH_COLUMNS})


def _person_names(letters: pa.Array, schema: pa.Array) -> pa.Array:
    """The name's letters where the record is a person's (``PERSON_SCHEMAS``), else empty."""
    person = pc.fill_null(pc.is_in(schema, value_set=pa.array(PERSON_SCHEMAS)), False)
    return pc.if_else(person, letters, pa.scalar(None, pa.string()))


def _person_nicknames(name_norm: pa.Array, person: pa.Array) -> pa.Array:
    """A person's name keys up to a nickname (names.nicknames), empty for other schemas: a
    company's "Bill's Autos" is no "William's Autos"."""
    keys = map_distinct(name_norm, nickname_keys, pa.list_(pa.string()))
    return pc.if_else(pc.is_valid(person), keys, pa.scalar(None, keys.type))


def common_words(cleaned: pa.Table, share: float) -> pa.Array:
    """The words of people's names (``name_person`` set) found in more than ``share`` of them
    (in at least two); every other word of a person's name is rare (``mark_rare_words``)."""
    people = cleaned.filter(pc.is_valid(cleaned.column("name_person")))
    names = _chunk(people.column("name_words"))
    words, parents = pc.list_flatten(names), pc.list_parent_indices(names)
    pairs = pa.table({"row": parents, "word": words}).group_by(["word", "row"]).aggregate([])
    counts = pairs.group_by("word").aggregate([("row", "count")])
    least = max(share * people.num_rows, 1.0)
    common = counts.filter(pc.greater(counts.column("row_count"), least)).column("word")
    return pc.unique(_chunk(common)).sort()


def mark_rare_words(cleaned: pa.Table, common: pa.Array) -> pa.Table:
    """``cleaned`` with ``name_rare_words``: a person's name words not in ``common``."""
    names = _chunk(cleaned.column("name_words"))
    person = pc.fill_null(pc.is_valid(_chunk(cleaned.column("name_person"))), False)
    flat = pc.list_flatten(names)
    parents = pc.list_parent_indices(names)
    keep = pc.and_(pc.invert(pc.fill_null(pc.is_in(flat, value_set=common), False)),
                   pc.take(person, parents))  # fmt: skip
    counts = np.bincount(parents.filter(keep).to_numpy(), minlength=cleaned.num_rows)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    rare = pa.ListArray.from_arrays(offsets, flat.filter(keep), mask=pc.invert(person))
    index = cleaned.schema.get_field_index("name_rare_words")
    return cleaned.set_column(index, "name_rare_words", rare)


def _address_key(street: pa.Array, place: pa.Array) -> pa.Array:
    """Street and place (``place_key``: the postcode, else country and town) as one value, so
    its frequency (a shared warehouse) can be weighed; lists without postcodes have addresses
    too."""
    return pc.binary_join_element_wise(street, place, "|", null_handling="emit_null")


def hub_flags(values: pa.Array, names: pa.Array) -> pa.Array:
    """True where the value is written with at least ``HUB_NAMES`` different name keys."""
    table = pa.table({"v": _chunk(values), "n": _chunk(names)}).filter(pc.is_valid(values))
    counts = table.group_by("v").aggregate([("n", "count_distinct")])
    hubs = counts.filter(pc.greater_equal(counts.column("n_count_distinct"), HUB_NAMES))
    return pc.fill_null(pc.is_in(values, value_set=hubs.column("v").combine_chunks()), False)


def hub_values(cleaned: pa.Table) -> dict[str, pa.Array]:
    """Each hub column's distinct values that are hubs (saved with the model)."""
    hubs = {}
    for column, flag in HUB_COLUMNS.items():
        values = cleaned.column(column).filter(cleaned.column(flag))
        hubs[column] = pc.unique(_chunk(values)).sort()
    return hubs


def mark_hubs(cleaned: pa.Table, hubs: dict[str, pa.Array]) -> pa.Table:
    """``cleaned`` with a value also flagged where ``hubs`` (a resolved lake's) holds it.

    A file of pairs never shows one phone under five names by itself; the lake resolve learnt
    from does, and compare-parties with the trained model judges the pair as resolve would.
    """
    for column, values in hubs.items():
        flag = HUB_COLUMNS[column]
        known = pc.fill_null(pc.is_in(cleaned.column(column), value_set=values), False)
        marked = pc.or_(cleaned.column(flag), known)
        cleaned = cleaned.set_column(cleaned.schema.get_field_index(flag), flag, marked)
    return cleaned


def place_key(postcode: pa.Array, country: pa.Array, city: pa.Array) -> pa.Array:
    """The postcode, or country and city where there is none (Hong Kong, the Emirates).

    Blocking on a name key within a place instead of a country keeps blocks small: a common
    name within one country is thousands of mentions, within one postcode a handful.
    """
    town = pc.binary_join_element_wise(
        pc.fill_null(country, ""), city, ":", null_handling="emit_null"
    )
    return pc.coalesce(postcode, town)


def _first_word(norm: str | None) -> str | None:
    return norm.split()[0] if norm else None


def _domain(email: str | None) -> str | None:
    return email.rpartition("@")[2] or None if email else None


def _chunk(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def source_select(
    columns: Iterable[str] = SOURCE_COLUMNS, available: Iterable[str] | None = None
) -> str:
    """SQL (DuckDB dialect, safe on Spark) reading the mentions to resolve from ``parties``.

    ``available``: the dataset's columns; a column it lacks (``birth_date`` in a lake ingested
    before the field existed) is left out, and the cleaning treats it as empty.
    """
    if available is not None:
        present = set(available)
        columns = [c for c in columns if c in present]
    return "SELECT " + ", ".join(columns) + " FROM parties"
