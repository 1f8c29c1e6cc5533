"""What an organisation may pick on the upload form: its feeds and its mappings.

Mappings are the shipped ones made for the organisation (their ``organisation`` key) or for
anyone (no key), and those registered for it (``ringfence mapping register``); feeds are those
its kind of organisation supplies plus those its mappings load.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel

from ringfence.errors import RingfenceError
from ringfence.ingest.mapping import SHIPPED_MAPPINGS, load_mapping
from ringfence.ingest.registry import organisation_dir, registered_names
from ringfence.model.feeds import feeds
from ringfence.settings import Settings

# The feeds each kind of organisation supplies, its usual one first (the form's default).
FEEDS_BY_KIND = {
    "customs": ("shipments", "outcomes", "watchlist", "exchange_rates", "parties"),
    "carrier": ("shipments", "outcomes", "parties"),
    "marketplace": ("listings", "sellers", "complaints", "pageviews", "watchlist"),
    "brand": ("products", "brands", "trademarks", "complaints"),
    "ipcrime": ("watchlist", "parties", "outcomes"),
}


class MappingChoice(BaseModel):
    """A mapping the organisation may name: which feed it loads and what it reads."""

    name: str
    feed: str
    description: str
    registered: bool


@cache
def _shipped() -> tuple[tuple[str, str, str | None, str], ...]:
    """(name, feed, organisation, description) of every shipped mapping (read once)."""
    out = []
    for path in sorted(SHIPPED_MAPPINGS.glob("*.yaml")):
        try:
            mapping = load_mapping(path)
        except RingfenceError:  # a broken shipped mapping is a test failure, not a form error
            continue
        text = " ".join((mapping.description or "").split())
        out.append((path.stem, mapping.feed, mapping.organisation, text))
    return tuple(out)


def mapping_choices(settings: Settings, organisation: str) -> list[MappingChoice]:
    """The mappings ``organisation`` may use, its registered ones first."""
    choices = []
    for name in registered_names(settings, organisation):
        try:
            mapping = load_mapping(organisation_dir(settings, organisation) / f"{name}.yaml")
        except RingfenceError:
            continue
        text = " ".join((mapping.description or "").split())
        choices.append(
            MappingChoice(name=name, feed=mapping.feed, description=text, registered=True)
        )
    taken = {c.name for c in choices}
    for name, feed, owner, text in _shipped():
        if name not in taken and owner in (None, organisation):
            choices.append(MappingChoice(name=name, feed=feed, description=text, registered=False))
    return choices


def upload_feeds(kind: str, mappings: list[MappingChoice]) -> list[str]:
    """The feeds an organisation of ``kind`` uploads, its usual one first; any kind unknown
    here gets every feed."""
    known = feeds()
    usual = [f for f in FEEDS_BY_KIND.get(kind, sorted(known)) if f in known]
    extra = sorted({m.feed for m in mappings if m.feed in known} - set(usual))
    return usual + extra
