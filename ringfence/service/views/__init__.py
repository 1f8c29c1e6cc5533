"""Data functions behind every page and JSON route: ``view(services, caller, ...) -> model``.

Each returns a pydantic model; the JSON API returns ``model.model_dump(mode="json")`` and the web
UI renders the same model, so a page and its JSON twin can never disagree. Every view reads data
through ``ringfence.service.sharing`` (``read`` / ``visible``), never around it.
"""
