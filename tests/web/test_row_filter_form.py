"""The sharing form's row-filter text becomes the API's row filter, or a clear error."""

from __future__ import annotations

import pytest

from ringfence.errors import UserError
from ringfence.web.pages.admin import row_filter_from_text


def test_parts_become_fields_with_one_or_several_values() -> None:
    text = " brand = $recipient_brands ; origin_country = CN, HK;; "
    assert row_filter_from_text(text) == {
        "brand": "$recipient_brands",
        "origin_country": ["CN", "HK"],
    }
    assert row_filter_from_text("") == {}


@pytest.mark.parametrize("text", ["brand", "= CN", "origin_country =", "origin_country = , ,"])
def test_a_part_without_field_or_value_is_named(text: str) -> None:
    with pytest.raises(UserError, match="row filter"):
        row_filter_from_text(text)
