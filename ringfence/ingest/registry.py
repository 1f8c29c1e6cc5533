"""Mappings by name: the shipped ones, and those registered for one organisation.

The service never opens a mapping by path: an upload names a mapping, and the name resolves only
to a mapping shipped with Ringfence (``ringfence/ingest/mappings/``) or to one registered for the
caller's organisation (``ringfence mapping register NAME FILE --org ORG`` copies the validated YAML
to ``<data_dir>/mappings/<org>/<name>.yaml`` and audits it). Any other name, whatever it is (a
path, a file of the server, another organisation's mapping), gets the same one error, so the
answer tells nothing about which files exist.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import yaml

from ringfence.errors import ConflictError, MappingError, UserError
from ringfence.ingest.mapping import SHIPPED_MAPPINGS, load_mapping
from ringfence.ingest.plan import build_plan, check_format
from ringfence.model.feeds import feed as feed_spec
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ORGANISATION = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MAX_MAPPING_BYTES = 256 * 1024


class UnknownMapping(UserError):
    """The one answer for every mapping name that is not shipped or registered for the caller."""

    def __init__(self, name: str) -> None:
        shown = name if NAME.match(name) else "given"
        super().__init__(
            f"unknown mapping {shown!r}: name a shipped mapping ({', '.join(shipped_names())}) "
            "or one registered for your organisation (ringfence mapping register)"
        )


def shipped_names() -> list[str]:
    """Names of the mappings that ship with Ringfence."""
    return sorted(p.stem for p in SHIPPED_MAPPINGS.glob("*.yaml"))


def organisation_dir(settings: Settings, organisation: str) -> Path:
    """The folder of an organisation's registered mappings."""
    if not ORGANISATION.match(organisation):
        raise UserError(f"organisation {organisation!r} must be a lower-case slug")
    return settings.data_dir / "mappings" / organisation


def registered_names(settings: Settings, organisation: str) -> list[str]:
    """Names of the mappings registered for ``organisation``."""
    folder = organisation_dir(settings, organisation)
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def resolve_named_mapping(settings: Settings, organisation: str, name: str) -> Path:
    """The file of mapping ``name`` as ``organisation`` may use it; ``UnknownMapping`` otherwise.

    Registered mappings of the organisation come first, then the shipped ones. A name is a slug:
    it can hold no path separator, dot or parent reference.
    """
    if NAME.match(name):
        for folder in (organisation_dir(settings, organisation), SHIPPED_MAPPINGS):
            path = folder / f"{name}.yaml"
            if path.is_file():
                return path
    raise UnknownMapping(name)


def ingest_mapping(
    settings: Settings, mapping: str | Path | None, organisation: str | None
) -> str | Path | None:
    """What ``ringfence ingest --mapping`` means: a name resolves as an upload's does for
    ``organisation`` (``resolve_named_mapping``: registered for it, then shipped); anything
    else — a path, or a name without ``--org`` — is left to the ingest (a file, or a shipped
    name). A slug that is neither registered nor shipped may still be a file of that name."""
    text = None if mapping is None else str(mapping)
    if text is None or organisation is None or not NAME.match(text):
        return mapping
    try:
        return resolve_named_mapping(settings, organisation, text)
    except UnknownMapping:
        if Path(text).is_file():
            return mapping
        raise


def register_mapping(
    settings: Settings, organisation: str, name: str, source: Path, actor: str
) -> Path:
    """Validate the mapping file ``source`` and register it as ``name`` for ``organisation``.

    Raises ``MappingError`` (naming the file and key) for an invalid mapping and
    ``ConflictError`` for a name a shipped mapping has. Replacing an earlier registration of the
    same name is allowed and audited as such.
    """
    if not NAME.match(name):
        raise UserError(f"mapping name {name!r} must be a lower-case slug (letters, digits, - _)")
    if name in shipped_names():
        raise ConflictError(f"{name!r} is a shipped mapping; choose another name")
    if source.is_file() and source.stat().st_size > MAX_MAPPING_BYTES:
        raise UserError(f"{source}: a mapping may be at most {MAX_MAPPING_BYTES} bytes")
    _refuse_aliases(source)
    mapping = load_mapping(source)
    check_format(mapping, str(source))
    feed_spec(mapping.feed)  # an unknown feed fails here, naming the feeds there are
    # Fields, roles and references checked against the feed as an ingest would, on a file
    # that has exactly the columns the mapping reads.
    build_plan(mapping, organisation, sorted(mapping.source_columns()), str(source), name)
    text = source.read_bytes()
    folder = organisation_dir(settings, organisation)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.yaml"
    replaced = target.is_file()
    partial = folder / f".{name}.yaml.tmp"
    partial.write_bytes(text)
    os.replace(partial, target)
    with OperationalStore.open(settings) as store:
        store.ensure_organisation(organisation)
        store.audit("mapping.register", actor, organisation, {
            "name": name, "feed": mapping.feed, "sha256": hashlib.sha256(text).hexdigest(),
            "replaced": replaced,
        })  # fmt: skip
    return target


def _refuse_aliases(source: Path) -> None:
    """YAML anchors and aliases are refused: a few hundred bytes of them expand to gigabytes
    (the "billion laughs"), and a mapping never needs them."""
    try:
        events = yaml.parse(source.read_text(encoding="utf-8"))
        aliased = any(isinstance(e, yaml.AliasEvent) for e in events)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return  # load_mapping reports an unreadable or invalid file with its reason
    if aliased:
        raise MappingError("YAML aliases (*name) are not allowed in a mapping", file=str(source))
