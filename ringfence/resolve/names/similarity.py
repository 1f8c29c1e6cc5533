"""Name features of a pair: how the words of two analysed names line up.

Words are aligned greedily, best pair first, whatever their order ("Zhang Wei" / "Wei Zhang"):
two words agree by Levenshtein similarity, or as sounding alike (same metaphone) when the
letters differ more. A one-letter word is an initial and pairs with a word it begins
("J. Smith" / "John Smith"). Words written together on one side and apart on the other
("Xi Jinping" / "Xi Jin Ping") are caught by comparing the names' letters run together.
The features (``FEATURES``, all in [0, 1] or small counts) feed the name model (model.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from rapidfuzz.distance import Levenshtein
from rigour.text.phonetics import metaphone as _metaphone

from ringfence.resolve.names.analyse import Analysed
from ringfence.resolve.names.nicknames import same_given_name

FEATURES = (
    "cover_short",  # share of the shorter name's letters matched, weighted by similarity
    "cover_long",  # the same for the longer name
    "cover_strong",  # share of the shorter name's letters in words at least STRONG alike
    "joined",  # similarity of the names' letters run together (sorted or in order)
    "exact_share",  # identical words over the larger word count
    "initials",  # initials paired with a word they begin (capped at 2)
    "unmatched",  # words of the longer name left without a partner (capped at 3)
    "worst",  # similarity of the worst paired word
    "rare_cover",  # cover_short weighted by how rare the matched words are
    "known_differ",  # share of letters in paired words that differ though both are known names
    "legal_conflict",  # both have legal forms and none in common
    "single",  # either name is a single word
    "translit",  # one name was not in Latin letters (transliteration noise is expected)
    "translit_cover",  # cover_short when transliterated
    "skeleton_joined",  # similarity of the run-together names' consonant skeletons
    "sound_joined",  # similarity of the run-together names' metaphone codes
)
# Two words below this similarity are not paired.
MIN_WORD_SIM = 0.5
SOUND_ALIKE = 0.85
# A given name and its nickname ("bill" / "william", nicknames.py) in two people's names.
NICKNAME = 0.9
STRONG = 0.8
_VOWELS = frozenset("aeiouyw'")
# German-style spellings of umlauts ("Mueller" for "Müller", which transliterates to "muller").
_UMLAUTS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


@lru_cache(maxsize=100_000)
def metaphone(word: str) -> str:
    """The word's metaphone code (cached: names repeat)."""
    return _metaphone(word)


def word_sim(x: str, y: str, loose: bool = False, people: bool = False) -> float:
    """Similarity of two words in [0, 1]: Levenshtein, lifted when they sound alike or, for a
    transliterated pair (``loose``), when their consonants agree: Arabic and Hebrew script write
    few vowels, so "محمد" arrives as "mhmd" for "Mohammed". In two people's names
    (``people``), a given name and its nickname are ``NICKNAME`` alike ("bill" / "william")."""
    if x == y:
        return 1.0
    if people and same_given_name(x, y):
        return NICKNAME
    if loose and min(len(x), len(y)) >= 2 and skeleton(x) == skeleton(y) and skeleton(x):
        return max(SOUND_ALIKE, Levenshtein.normalized_similarity(x, y))
    if loose and min(len(x), len(y)) >= 3 and coarse_skeleton(x) == coarse_skeleton(y):
        return max(STRONG, Levenshtein.normalized_similarity(x, y))
    sim = Levenshtein.normalized_similarity(x, y)
    if sim < 1.0 and ("e" in x or "e" in y):
        sim = max(sim, Levenshtein.normalized_similarity(_fold_umlauts(x), _fold_umlauts(y)))
    if sim < SOUND_ALIKE and min(len(x), len(y)) >= 3 and metaphone(x) == metaphone(y):
        return SOUND_ALIKE
    return sim


@lru_cache(maxsize=100_000)
def skeleton(word: str) -> str:
    """The word's consonants, doubled letters once ("mohammed" → "mhmd", "hussein" → "hsn")."""
    out: list[str] = []
    for ch in word:
        if ch not in _VOWELS and (not out or out[-1] != ch):
            out.append(ch)
    return "".join(out)


# Consonants that transliteration confuses (Korean and Japanese have one liquid, Arabic no "p"):
# each class written as one letter in a coarse skeleton.
_COARSE = str.maketrans({"p": "b", "f": "b", "v": "b", "r": "l", "c": "k", "q": "k",
                          "g": "k", "d": "t", "z": "s", "x": "s"})  # fmt: skip


@lru_cache(maxsize=100_000)
def coarse_skeleton(word: str) -> str:
    """The skeleton with confusable consonants merged ("bradley" and "beulaedeulli" → "bltl")."""
    out: list[str] = []
    for ch in skeleton(word).translate(_COARSE):
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _fold_umlauts(word: str) -> str:
    for written, plain in _UMLAUTS:
        word = word.replace(written, plain)
    return word


def align(
    a: tuple[str, ...], b: tuple[str, ...], loose: bool = False, people: bool = False
) -> tuple[list[tuple[int, int, float]], int]:
    """Greedy word pairs ``(i, j, sim)`` best first, then initials; returns pairs and initials."""
    cells = sorted(
        (
            (word_sim(x, y, loose, people), i, j)
            for i, x in enumerate(a)
            for j, y in enumerate(b)
            if len(x) > 1 and len(y) > 1
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for sim, i, j in cells:
        if sim < MIN_WORD_SIM:
            break
        if i not in used_a and j not in used_b:
            pairs.append((i, j, sim))
            used_a.add(i)
            used_b.add(j)
    initials = 0
    for left, right, swap in ((a, b, False), (b, a, True)):
        done_l, done_r = (used_b, used_a) if swap else (used_a, used_b)
        for i, x in enumerate(left):
            if len(x) != 1 or i in done_l:
                continue
            for j, y in enumerate(right):
                if j not in done_r and y[0] == x:
                    done_l.add(i)
                    done_r.add(j)
                    initials += 1
                    pairs.append((j, i, 0.0) if swap else (i, j, 0.0))
                    break
    return pairs, initials


def features(a: Analysed, b: Analysed, rarity: Callable[[str], float]) -> list[float]:
    """The ``FEATURES`` of a pair of analysed names; ``rarity(word)`` is in [0, 1].

    When one name has more words, adjacent words of it may also be read run together
    ("Abdul Rahman" / "Abdulrahman", "Xi Jin Ping" / "Xi Jinping"): the reading whose words
    cover most is kept.
    """
    if not a.tokens or not b.tokens:
        return [0.0] * len(FEATURES)
    best = _features(a.tokens, b.tokens, a, b, rarity)
    if len(a.tokens) != len(b.tokens):
        more, other = (a, b) if len(a.tokens) > len(b.tokens) else (b, a)
        for merged in _merges(more.tokens):
            pair = (merged, other.tokens) if more is a else (other.tokens, merged)
            found = _features(pair[0], pair[1], a, b, rarity)
            if found[0] + found[1] > best[0] + best[1]:
                best = found
    return best


def _merges(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The words with one adjacent pair run together (names of up to five words)."""
    if len(tokens) > 5:
        return []
    return [
        (*tokens[:i], tokens[i] + tokens[i + 1], *tokens[i + 2 :]) for i in range(len(tokens) - 1)
    ]


def _features(
    a_tokens: tuple[str, ...],
    b_tokens: tuple[str, ...],
    a_name: Analysed,
    b_name: Analysed,
    rarity: Callable[[str], float],
) -> list[float]:
    """Features of one reading of the two names' words."""
    a = Analysed(a_name.raw, a_tokens, a_name.legal, a_name.latin, a_name.person)
    b = Analysed(b_name.raw, b_tokens, b_name.legal, b_name.latin, b_name.person)
    people = a.person and b.person
    pairs, initials = align(a.tokens, b.tokens, not (a.latin and b.latin), people)
    matched_a = {i: s for i, _, s in pairs}
    matched_b = {j: s for _, j, s in pairs}
    cover_a = _cover(a.tokens, matched_a)
    cover_b = _cover(b.tokens, matched_b)
    a_short = a.letters <= b.letters
    short, long_ = (cover_a, cover_b) if a_short else (cover_b, cover_a)
    strong = {i: s for i, s in (matched_a if a_short else matched_b).items() if s >= STRONG}
    strong_cover = _cover(a.tokens if a_short else b.tokens, strong)
    longer = a.tokens if len(a.tokens) >= len(b.tokens) else b.tokens
    longer_matched = matched_a if longer is a.tokens else matched_b
    words = [a.tokens[i] for i, _, s in pairs if s > 0]
    rare = sum(rarity(w) * len(w) for w in words) / max(1, sum(len(w) for w in words))
    known = [
        len(a.tokens[i])
        for i, j, s in pairs
        if 0 < s < 1 and rarity(a.tokens[i]) < 1 and rarity(b.tokens[j]) < 1
        and not (people and same_given_name(a.tokens[i], b.tokens[j]))
    ]
    known_differ = sum(known) / max(1, a.letters)
    exact = len(set(a.tokens) & set(b.tokens)) / max(len(a.tokens), len(b.tokens))
    translit = 0.0 if (a.latin and b.latin) else 1.0
    return [
        short,
        long_,
        strong_cover,
        _joined(a.tokens, b.tokens),
        exact,
        float(min(initials, 2)),
        float(min(len(longer) - len(longer_matched), 3)),
        min((s for _, _, s in pairs if s > 0), default=0.0),
        short * rare,
        known_differ,
        1.0 if a.legal and b.legal and not (a.legal & b.legal) else 0.0,
        1.0 if min(len(a.tokens), len(b.tokens)) == 1 else 0.0,
        translit,
        short * translit,
        _joined(tuple(skeleton(t) for t in a.tokens), tuple(skeleton(t) for t in b.tokens)),
        _joined(tuple(metaphone(t) for t in a.tokens), tuple(metaphone(t) for t in b.tokens)),
    ]


def _cover(tokens: tuple[str, ...], matched: dict[int, float]) -> float:
    """Letters of the matched words (initials count as their one letter) over all letters."""
    total = sum(len(t) for t in tokens)
    got = sum(len(tokens[i]) * (s if s > 0 else 1.0) for i, s in matched.items())
    return got / total if total else 0.0


def _joined(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Levenshtein similarity of the words run together, in order and sorted (the better)."""
    in_order = Levenshtein.normalized_similarity("".join(a), "".join(b))
    in_sort = Levenshtein.normalized_similarity("".join(sorted(a)), "".join(sorted(b)))
    return max(in_order, in_sort)
