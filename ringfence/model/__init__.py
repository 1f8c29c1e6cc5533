"""The canonical data model: value types, records and the feed kinds derived from them."""
