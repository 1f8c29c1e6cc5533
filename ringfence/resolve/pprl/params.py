"""Encoding parameters, key derivation and the shared-secret check (see docs/pprl.md).

Both partners must encode with identical parameters and the same secret, or their encodings
cannot be compared; the parameters travel in each encoding file's metadata together with an HMAC
of a fixed probe under the secret (never the secret itself), so ``match`` can refuse a mix.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ringfence.errors import InputFileError, UserError

SCHEME = "ringfence-pprl/1"
MIN_SECRET_BYTES = 32
_PROBE = b"ringfence-pprl secret check v1"

# Fields hashed into the record's CLK (Bloom filter) and the strong identifiers that get an
# exact-match encoding each. Order is part of the scheme: it fixes the column order.
CLK_FIELDS = ("name", "street", "city", "postcode", "country", "birth_date")
EXACT_FIELDS = ("phone", "email", "identifier", "bank_account")
# The fields ``ringfence pprl encode --field-filters`` gives a filter of their own (country,
# three q-grams, says little alone and is already in the CLK).
FIELD_FILTERS = ("name", "street", "city", "postcode", "birth_date")
# Fields that may be block keys of their own (``PprlParams.block_on``).
BLOCK_FIELDS = ("birth_date",)
# How much of the date of birth its block key holds (``PprlParams.date_block``): the exact
# date, the year and month, or the year; the cleaned date's leading digits (19560909).
DATE_BLOCK_DIGITS = {"day": 8, "month": 6, "year": 4}
# The key of a record whose date is over-frequent in its file (``PprlParams.date_key_fallback``).
DATE_KEY_FALLBACKS = ("none", "year")
# Fields whose own filter may also hold the town's q-grams (``PprlParams.town_with``).
TOWN_HOSTS = ("street", "postcode")


def _default_k() -> dict[str, int]:
    # The name carries most of the identity, so it sets most bits; address parts only nudge
    # the score, and country (3 bigrams) mainly separates namesakes in different countries.
    # A date of birth (its digits as one word: 9 bigrams) separates namesakes and keeps a
    # renamed person close, as clear-text resolution's date-of-birth comparison does (chosen a
    # priori, about half a name's bits; a file encoded before it has no such bits).
    return {"name": 20, "street": 4, "city": 4, "postcode": 3, "country": 3, "birth_date": 10}


@dataclass(frozen=True)
class PprlParams:
    """Everything that must be equal on both sides for encodings to be comparable."""

    clk_bits: int = 1024
    q: int = 2
    padding: str = "_"
    k: dict[str, int] = field(default_factory=_default_k)
    xor_fold: bool = True
    exact_bytes: int = 16
    block_bytes: int = 8
    block_words: int = 5  # a long company name: 5 words give 5 + 10 block keys, enough to meet
    # Fields that also get a Bloom filter of their own beside the record's CLK, so a matcher can
    # weigh a name, a date of birth and a place apart (``score_model.FieldModel``). Off by
    # default: a filter holding one field alone is easier to attack by frequency analysis than
    # the CLK, which mixes all fields (docs/pprl.md, "Field filters").
    field_filters: tuple[str, ...] = ()
    # Fields whose exact value (with the country) is also a block key, so records whose names
    # share no sound still meet: the linkage unit then learns which records share a date of
    # birth (not the date). Off by default, like field filters.
    block_on: tuple[str, ...] = ()
    # BLIP (Schnell & Borgs 2016): each bit of every filter (the CLK and the field filters)
    # is replaced by a fair random bit with this probability f, i.e. flipped with probability
    # f/2, by a keyed stream per record id and filter (``encode.flip_mask``); per bit
    # epsilon = ln((1 - f/2) / (f/2)). 0: off (and left out of the stored parameters).
    flip_probability: float = 0.0
    # A flip probability of its own for some field filters (``{"city": 0.3}``): BLIP as
    # above at that rate on the ``clk_<field>`` filter; the CLK and the filters not named keep
    # ``flip_probability``. Each named field needs a filter; a rate equal to
    # ``flip_probability`` is dropped (it changes nothing), so both sides' parameters agree.
    # Empty: left out of the stored parameters.
    field_flip_probabilities: dict[str, float] = field(default_factory=dict)
    # The date-of-birth block key (``block_on``) on the exact date ("day"), or coarser on the
    # year and month ("month") or the year ("year"), so the linkage unit learns which records
    # share a birth year, not a date. "day": left out of the stored parameters.
    date_block: str = "day"
    # The encoder leaves out of the date-of-birth block key every date over-frequent in its own
    # file (a 1 January placeholder held by hundreds): a date held by more than R x max(1, u)
    # records, u being the file's dated records of that birth year spread uniformly over the
    # year's days (``encode.over_frequent_dates``). The record keeps its date filter and the
    # date in its CLK. 0: off (and left out of the stored parameters). Needs the exact date key.
    date_key_max_ratio: float = 0.0
    # What a record whose date is over-frequent gets instead: no date key ("none") or the key
    # of its birth year ("year", as ``date_block="year"`` makes it). "none": left out of the
    # stored parameters.
    date_key_fallback: str = "none"
    # The town without a filter of its own, its q-grams hashed into the filter of each field
    # named here (of ``TOWN_HOSTS``) instead, so an identical pattern is an identical
    # street-in-town or postcode-in-town, rarer than a town, while the composite's Dice still
    # rewards an agreeing town. A record without the host field gets no town bits there. Each
    # host needs its filter; the town must have none. Empty: left out of the stored parameters.
    town_with: tuple[str, ...] = ()
    # With ``town_with``: the town also keeps a filter of its own (``city`` among the field
    # filters), holding its q-grams only for records holding none of the hosts (no street), under
    # a key of its own; a record with a host has an empty town filter. So a world without
    # streets keeps a town filter. False: left out of the stored parameters.
    town_filter_without_host: bool = False
    # A person's nickname keys (``names.nicknames.nickname_keys``: the name with one word
    # replaced by a formal name it may stand for), each keyed with the country, in a column
    # of their own: "bill searle" and "william searle" share one, which a fitted model may
    # weigh; they find no pairs (docs/pprl.md, round 12). False: left out of the stored
    # parameters.
    name_nicknames: bool = False
    # The encoder leaves out every name block key (a word's or a pair of words' Soundex code
    # with the country) that more than this share of its own file's records hold, and more
    # than ``name_block.MIN_WITHHELD``: a frequency attack names such keys' words (docs/pprl.md,
    # round 21). The encodings then say how many of a record's keys are its name's. 0: off
    # (and left out of the stored parameters).
    name_key_max_share: float = 0.0

    def __post_init__(self) -> None:
        # Metadata stores the tuples as JSON lists; a caller may pass any sequence.
        object.__setattr__(self, "field_filters", tuple(self.field_filters))
        object.__setattr__(self, "block_on", tuple(self.block_on))
        self._check_town_with()
        if set(self.block_on) - set(BLOCK_FIELDS):
            raise UserError(f"block_on may name {BLOCK_FIELDS} only")
        unknown = set(self.field_filters) - set(CLK_FIELDS)
        if unknown or len(set(self.field_filters)) != len(self.field_filters):
            raise UserError(f"field_filters must name distinct fields of {CLK_FIELDS}")
        if any(self.k.get(f, 0) < 1 for f in self.field_filters):
            raise UserError("a field with a filter of its own needs k >= 1 bits per q-gram")
        f = self.flip_probability
        if isinstance(f, bool) or not isinstance(f, int | float) or not 0.0 <= f < 1.0:
            raise UserError("flip_probability must be a number in [0, 1)")
        object.__setattr__(self, "flip_probability", float(f))
        object.__setattr__(self, "field_flip_probabilities", self._checked_field_flips())
        if self.date_block not in DATE_BLOCK_DIGITS:
            raise UserError(f"date_block must be one of {', '.join(DATE_BLOCK_DIGITS)}")
        if self.date_block != "day" and "birth_date" not in self.block_on:
            raise UserError(
                "a coarser date block key (date_block) needs the birth-date block key "
                "(--field-filters, or --filter-fields with birth_date)"
            )
        self._check_date_key_limit()
        share = self.name_key_max_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share < 1:
            raise UserError("name_key_max_share must be 0 (off) or a share in (0, 1)")
        object.__setattr__(self, "name_key_max_share", float(share))
        if self.clk_bits % 64 or self.clk_bits < 64:
            raise UserError("clk_bits must be a positive multiple of 64")
        if self.q < 1 or len(self.padding) != 1:
            raise UserError("q must be at least 1 and padding one character")
        if set(self.k) - set(CLK_FIELDS) or any(v < 0 for v in self.k.values()):
            raise UserError(f"k must map fields of {CLK_FIELDS} to counts >= 0")

    def _check_town_with(self) -> None:
        hosts = self.town_with
        if isinstance(hosts, str) or not all(isinstance(h, str) for h in hosts):
            raise UserError(f"town_with must be a sequence of fields of {TOWN_HOSTS}")
        chosen = set(hosts)
        if chosen - set(TOWN_HOSTS):
            raise UserError(f"town_with may name {', '.join(TOWN_HOSTS)} only")
        if chosen - set(self.field_filters):
            raise UserError(
                "town_with puts the town into a field's own filter, which needs that field's "
                "filter (--filter-fields with it)"
            )
        for flag in ("town_filter_without_host", "name_nicknames"):
            if not isinstance(getattr(self, flag), bool):
                raise UserError(f"{flag} must be true or false")
        if self.town_filter_without_host and not (chosen and "city" in self.field_filters):
            raise UserError(
                "a town filter for records without a host (town_filter_without_host) needs "
                "town_with and the town's (city) filter"
            )
        if chosen and "city" in self.field_filters and not self.town_filter_without_host:
            raise UserError(
                "town_with needs the town (city) without a filter of its own, or one for "
                "records without a host only (town_filter_without_host)"
            )
        # In TOWN_HOSTS' order, so both sides' parameters agree however they list them.
        object.__setattr__(self, "town_with", tuple(h for h in TOWN_HOSTS if h in chosen))

    def _check_date_key_limit(self) -> None:
        ratio = self.date_key_max_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not (
            ratio == 0 or 1.0 <= ratio < math.inf
        ):
            raise UserError("date_key_max_ratio must be 0 (off) or a number of at least 1")
        object.__setattr__(self, "date_key_max_ratio", float(ratio))
        if self.date_key_fallback not in DATE_KEY_FALLBACKS:
            raise UserError(f"date_key_fallback must be one of {', '.join(DATE_KEY_FALLBACKS)}")
        if ratio and ("birth_date" not in self.block_on or self.date_block != "day"):
            raise UserError(
                "leaving over-frequent dates out of the date block key (date_key_max_ratio) "
                "needs the exact birth-date block key (--field-filters, or --filter-fields "
                "with birth_date; --date-block day)"
            )
        if self.date_key_fallback != "none" and not ratio:
            raise UserError("date_key_fallback needs date_key_max_ratio")

    def _checked_field_flips(self) -> dict[str, float]:
        flips = self.field_flip_probabilities
        if not isinstance(flips, dict):
            raise UserError("field_flip_probabilities must map field names to numbers")
        checked = {}
        for name, f in flips.items():
            if name not in self.field_filters:
                raise UserError(
                    f"field_flip_probabilities names {name!r}, which has no filter of its own "
                    f"(field filters: {', '.join(self.field_filters) or 'none'})"
                )
            if isinstance(f, bool) or not isinstance(f, int | float) or not 0.0 <= f < 0.5:
                raise UserError(f"field_flip_probabilities[{name!r}] must be a number in [0, 0.5)")
            if float(f) != self.flip_probability:
                checked[name] = float(f)
        # In field_filters' order, so equal settings print and compare alike.
        return {name: checked[name] for name in self.field_filters if name in checked}

    def filter_flip_probability(self, filter_name: str) -> float:
        """BLIP's f for one filter (``clk``, or ``clk_<field>`` for a field's own filter)."""
        field_name = filter_name.removeprefix("clk_")
        return self.field_flip_probabilities.get(field_name, self.flip_probability)

    @property
    def filter_bits(self) -> int:
        """Bits hashed into before folding: folding halves them into ``clk_bits``."""
        return self.clk_bits * 2 if self.xor_fold else self.clk_bits

    @property
    def bit_epsilon(self) -> float:
        """Differential privacy of one bit under BLIP, ln((1 - f/2) / (f/2)); inf without it."""
        f = self.flip_probability
        return math.log((1 - f / 2) / (f / 2)) if f else math.inf

    def encoding_fields(self) -> dict[str, Any]:
        """The parameters as stored in encoding files (with the scheme's name).

        Without field filters, extra block keys, bit flipping, a coarser date block key or
        over-frequent dates left out of it, those keys are left out, so files encoded before
        they existed and files encoded now without them carry the same parameters and still
        match.
        """
        fields = asdict(self)
        for name in ("field_filters", "block_on", "flip_probability", "field_flip_probabilities"):
            if not fields[name]:
                del fields[name]
        if fields["date_block"] == "day":
            del fields["date_block"]
        for name in ("date_key_max_ratio", "name_key_max_share"):
            if not fields[name]:
                del fields[name]
        if fields["date_key_fallback"] == "none":
            del fields["date_key_fallback"]
        if not fields["town_with"]:
            del fields["town_with"]
        for flag in ("town_filter_without_host", "name_nicknames"):
            if not fields[flag]:
                del fields[flag]
        return {"scheme": SCHEME, **fields}


# What ``ringfence pprl encode --field-filters`` encodes with.
FIELD_PARAMS = PprlParams(field_filters=FIELD_FILTERS, block_on=BLOCK_FIELDS)


def field_subset_params(fields: str | Sequence[str]) -> PprlParams:
    """``FIELD_PARAMS`` with filters on some of ``FIELD_FILTERS`` only (``ringfence pprl
    encode --filter-fields name,street,birth_date``): a list or a comma-separated text, in
    any order (kept in ``FIELD_FILTERS``' order, so both sides' parameters agree however they
    list them). The birth-date block key comes with the birth-date filter. The CLK still
    holds every field."""
    names = fields.split(",") if isinstance(fields, str) else list(fields)
    chosen = {name.strip() for name in names if name.strip()}
    if not chosen or chosen - set(FIELD_FILTERS):
        raise UserError(f"filter fields must be one or more of {', '.join(FIELD_FILTERS)}")
    return PprlParams(
        field_filters=tuple(f for f in FIELD_FILTERS if f in chosen),
        block_on=tuple(f for f in BLOCK_FIELDS if f in chosen),
    )


def parse_town_with(text: str) -> tuple[str, ...]:
    """``street,postcode`` (``ringfence pprl encode --town-with``) as a tuple; the fields are
    checked by ``PprlParams``."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_field_flips(text: str) -> dict[str, float]:
    """``city=0.3,birth_date=0.1`` (``ringfence pprl encode --field-flip``) as a dict;
    the fields and rates are checked by ``PprlParams``."""
    flips: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip() or name.strip() in flips:
                raise ValueError
            flips[name.strip()] = float(value)
        except ValueError:
            raise UserError(
                f"field flips must be FIELD=F pairs, each field once, comma-separated "
                f"(e.g. city=0.3,birth_date=0.1), not {text!r}"
            ) from None
    if not flips:
        raise UserError("field flips must name at least one FIELD=F pair")
    return flips


def _default_exact_weights() -> dict[str, float]:
    # Share of true matches among candidate pairs agreeing on the identifier, in bench/pprl.py's
    # training worlds: phones 0.74-0.77 and e-mails 0.68-0.69 in ringfence.sim (shared by agents and
    # relatives), 0.99 in the synthetic world; identifiers and bank accounts, which neither
    # world shares much, by judgement. All stay above 0.5: one agreement alone is a match at the
    # default threshold, as an investigator would want it flagged.
    return {"phone": 0.8, "email": 0.75, "identifier": 0.95, "bank_account": 0.95}


@dataclass(frozen=True)
class ScoreModel:
    """How a pair's evidence becomes a probability-like score in [0, 1] (noisy-OR).

    The CLK's Dice coefficient counts as evidence ``fuzzy = (dice - dice_floor) / (1 -
    dice_floor)`` clipped to [0, 1] (unrelated names still share q-grams and country bits, so
    Dice only means something above a floor); each agreeing identifier kind counts with its
    weight; score = 1 - (1 - fuzzy) * product of (1 - weight) over the agreements, times the
    ``disagree_factors`` of identifier kinds both sides carry with different values. Identical
    records score 1. Not part of the encoding: the two sides need not agree on it.
    """

    # bench/pprl.py tunes 0.90 on ringfence.sim and 0.73 on its synthetic world, whose names
    # carry more typos; 0.8 costs each world about 0.03 F1 against its own optimum.
    dice_floor: float = 0.8
    exact_weights: dict[str, float] = field(default_factory=_default_exact_weights)
    # Score multiplier when both sides carry an identifier kind and the codes differ. Empty by
    # default (disagreement proves little in general); bench/pprl.py fits it on a labelled
    # train world as the share of true matches among would-be matches that disagree.
    disagree_factors: dict[str, float] = field(default_factory=dict)


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A separate key per use (field hashing, blocking, exact codes) derived from the secret.

    Separate keys mean the same value in two fields (a name that is also a street) never
    produces the same bits or codes, which would help a frequency attacker line them up.
    """
    return hmac.digest(secret, f"{SCHEME}:{purpose}".encode(), "sha256")


def secret_check(secret: bytes) -> str:
    """HMAC of a fixed probe: equal on both sides iff they hold the same secret."""
    return hmac.digest(derive_key(secret, "check"), _PROBE, "sha256").hex()


def load_secret(path: Path) -> bytes:
    """Read the shared secret file; refuse a missing, unreadable or too short one."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("secret file not found", file=str(path)) from None
    except OSError as exc:
        raise InputFileError(f"cannot read secret file ({exc.strerror})", file=str(path)) from None
    # A trailing newline from an editor or `echo` must not change the key on one side only.
    secret = data.rstrip(b"\r\n")
    if len(secret) < MIN_SECRET_BYTES:
        raise InputFileError(
            f"secret has {len(secret)} bytes; at least {MIN_SECRET_BYTES} are needed "
            "(e.g. `head -c 48 /dev/urandom | base64 > secret.key`)",
            file=str(path),
        )
    return secret


def file_metadata(params: PprlParams, secret: bytes) -> dict[str, str]:
    """The metadata stored with an encoding file."""
    text = json.dumps(params.encoding_fields(), sort_keys=True)
    # The digest is a short name for the parameter set, handy in logs and error reports.
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return {"params": text, "secret_check": secret_check(secret), "digest": digest}


def params_from_metadata(meta: dict[str, str], file: str) -> PprlParams:
    """Rebuild the encoding parameters recorded in a file's metadata."""
    if "params" not in meta or "secret_check" not in meta:
        raise InputFileError("not a PPRL encodings file (no encoding parameters)", file=file)
    try:
        values = json.loads(meta["params"])
        scheme = values.pop("scheme", None)
        if scheme != SCHEME:
            raise ValueError(f"scheme {scheme!r}, expected {SCHEME!r}")
        return PprlParams(**values)
    except (ValueError, TypeError, AttributeError, UserError) as exc:
        raise InputFileError(f"unusable PPRL encoding parameters: {exc}", file=file) from None
