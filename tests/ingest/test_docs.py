"""docs/feeds.md is generated from the model: the committed file must match the code."""

from __future__ import annotations

from pathlib import Path

from ringfence.ingest.feeds_doc import render_feeds_markdown
from ringfence.model.feeds import feeds

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_feeds_doc_matches_the_model() -> None:
    committed = (DOCS / "feeds.md").read_text(encoding="utf-8")
    assert committed == render_feeds_markdown(), (
        "docs/feeds.md is stale: python -m ringfence.ingest.feeds_doc > docs/feeds.md")


def test_feeds_doc_names_every_canonical_column() -> None:
    text = render_feeds_markdown()
    for spec in feeds().values():
        assert f"## `{spec.name}`" in text
        for field in spec.data_fields:
            assert f"| `{field.canonical_column}` |" in text


def test_mappings_doc_shows_every_mapping_option() -> None:
    from ringfence.ingest.mapping import FieldMapping, FormatOptions, Mapping

    text = (DOCS / "mappings.md").read_text(encoding="utf-8")
    for model in (Mapping, FieldMapping, FormatOptions):
        for name in model.model_fields:
            assert f"`{name}`" in text, f"{model.__name__}.{name} not in docs/mappings.md"
