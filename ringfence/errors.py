"""One exception hierarchy for everything a user can get wrong or the system can fail at.

Each class carries the process exit code the CLI uses and the HTTP status the API uses, so the
two front ends report the same failure the same way.
"""

from __future__ import annotations


class RingfenceError(Exception):
    """Base of every error Ringfence raises on purpose."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(RingfenceError):
    """The user asked for something impossible: bad input, bad option, missing file."""

    exit_code = 2
    http_status = 400


class SettingsError(UserError):
    """A ``RINGFENCE_`` setting has a value it cannot take; the message names the variable.

    The CLI's user set it (exit 2); behind the service it is the operator's, not the client's,
    mistake (500).
    """

    http_status = 500


class InputFileError(UserError):
    """A file (or one row and field in it) cannot be used as it is."""

    def __init__(
        self, message: str, *, file: str, row: int | None = None, field: str | None = None
    ) -> None:
        where = file
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
        self.file, self.row, self.field = file, row, field


class MappingError(InputFileError):
    """A mapping file is malformed or does not fit the data it is applied to."""


class NotFoundError(UserError):
    """A named thing (organisation, record, entity) does not exist."""

    exit_code = 3
    http_status = 404


class ConflictError(UserError):
    """The request contradicts what is already stored."""

    exit_code = 4
    http_status = 409


class LimitError(UserError):
    """The input is larger than a configured limit (request, upload, rows, line, job time)."""

    http_status = 413


class AuthError(RingfenceError):
    """The caller is not who they say, or is not allowed to do this."""

    exit_code = 5
    http_status = 401


class ForbiddenError(AuthError):
    """The caller is known but not granted this data or action."""

    http_status = 403


class ThrottledError(RingfenceError):
    """Too many attempts (e.g. failed logins); ``retry_after`` seconds until the next is heard."""

    exit_code = 5
    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class EngineError(RingfenceError):
    """An analytical engine failed running a query; the message names the failing SQL."""

    exit_code = 6
    http_status = 500


class StoreError(RingfenceError):
    """The operational store is unreachable or refused an operation."""

    exit_code = 7
    http_status = 503
