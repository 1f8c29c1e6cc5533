"""Names for matching: normalisation (normalise.py) and the sanctions-style name comparison that
compare-parties and screening share (analyse.py, similarity.py, model.py, compare.py).

``normalise_name("ZHANG Wei") == normalise_name("Wei Zhang")``; ``compare_names("Путин Владимир",
"Vladimir Putin").probability`` is high, ``compare_names("John Smith", "John Smyth-Jones")`` is
not. See docs/names.md.
"""

from ringfence.resolve.names.analyse import ANY, ORG, PERSON, THING, Analysed, analyse
from ringfence.resolve.names.compare import (
    NameComparison,
    compare_names,
    name_logit,
    name_reason,
)
from ringfence.resolve.names.model import NameModel, default_model
from ringfence.resolve.names.normalise import (
    COMPANY_FORMS,
    fold_text,
    name_tokens,
    normalise_name,
)
from ringfence.resolve.names.schemas import NAMED_SCHEMAS, check_schema, kind_of, relation

__all__ = [
    "ANY",
    "COMPANY_FORMS",
    "NAMED_SCHEMAS",
    "ORG",
    "PERSON",
    "THING",
    "Analysed",
    "NameComparison",
    "NameModel",
    "analyse",
    "check_schema",
    "compare_names",
    "default_model",
    "fold_text",
    "kind_of",
    "name_logit",
    "name_reason",
    "name_tokens",
    "normalise_name",
    "relation",
]
