"""Form and query-string values into request models, with a refusal in words."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ringfence.errors import UserError

M = TypeVar("M", bound=BaseModel)


def model_from(cls: type[M], **values: Any) -> M:
    """``cls`` from ``values`` (blank text counts as not given); a value it refuses is a
    ``UserError`` naming the field."""
    given = {
        k: (v.strip() if isinstance(v, str) else v)
        for k, v in values.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }
    try:
        return cls.model_validate(given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "form"
        message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        raise UserError(f"{where}: {message}" if where != "form" else message) from None
