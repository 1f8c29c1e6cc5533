"""FollowTheMoney schemas of named parties and things, and how two of them relate.

A ``Person`` and a ``Company`` can be written with the same name, but they are never the same
entity; a ``Company`` and an ``Organization`` can be (a company is an organisation); a
``LegalEntity`` can be either. ``relation`` says which, from FtM's own schema model
(``Schema.can_match``), and ``RELATION_BITS`` what that adds to a pair's log-odds.
"""

from __future__ import annotations

from functools import lru_cache

from followthemoney import model

from ringfence.resolve.names.analyse import ANY, ORG, PERSON, THING

# The schemas compare-parties and screening accept (any FtM schema descending from these).
NAMED_SCHEMAS = (
    "Person", "Organization", "Company", "PublicBody", "LegalEntity", "Vessel", "Airplane",
)  # fmt: skip
DEFAULT_SCHEMA = "LegalEntity"

# Bits (log2 odds) per relation: "same" and "compatible" say nothing; organisations of different
# kinds (a company and a public body) rarely are one entity; a person is never a ship.
RELATION_BITS = {"same": 0.0, "compatible": 0.0, "sibling": -3.0, "incompatible": -30.0}


@lru_cache(maxsize=64)
def check_schema(name: str) -> str:
    """The canonical FtM schema name; ``ValueError`` naming the accepted ones otherwise."""
    schema = model.get(name) or model.get(name.strip().capitalize())
    if schema is None or not any(schema.is_a(s) for s in NAMED_SCHEMAS):
        raise ValueError(
            f"schema must be a FollowTheMoney schema of a named party or thing "
            f"({', '.join(NAMED_SCHEMAS)}), not {name!r}"
        )
    return str(schema.name)


def kind_of(schema: str | None) -> str:
    """The name kind (analyse.py) a schema's names are read as."""
    found = model.get(schema or DEFAULT_SCHEMA)
    if found is None or found.name == "LegalEntity":
        return ANY
    if found.is_a("Person"):
        return PERSON
    if found.is_a("Organization"):
        return ORG
    if found.is_a("LegalEntity"):
        return ANY
    return THING


@lru_cache(maxsize=256)
def relation(left: str | None, right: str | None) -> str:
    """``same``, ``compatible`` (one may be the other), ``sibling`` (two kinds of organisation)
    or ``incompatible`` (a person and a company, a vessel and an aircraft)."""
    a, b = model.get(left or DEFAULT_SCHEMA), model.get(right or DEFAULT_SCHEMA)
    if a is None or b is None:
        return "compatible"
    if a.name == b.name:
        return "same"
    if a.can_match(b) or b.can_match(a):
        return "compatible"
    if a.is_a("Organization") and b.is_a("Organization"):
        return "sibling"
    return "incompatible"
