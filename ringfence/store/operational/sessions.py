"""Browser sessions: the cookie carries a random token, the store keeps only its SHA-256.

A stolen copy of the table therefore cannot be replayed as a cookie. Each session also carries a
CSRF token (stored in clear: it is not a credential on its own, only proof that a form came from
a page Ringfence rendered for this session).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from ringfence.errors import AuthError, NotFoundError, UserError
from ringfence.store.operational import database, hashing
from ringfence.store.operational.base import StoreBase
from ringfence.store.operational.credentials import (
    DEFAULT_MIN_LENGTH,
    check_password,
    normalise_email,
)
from ringfence.store.operational.tables import ApiKey, LoginFailure, User, WebSession, utcnow

SESSION_TOKEN_BYTES = 32
CSRF_TOKEN_BYTES = 24
LOGIN_FAILURES_KEPT = timedelta(days=1)


def hash_session_token(token: str) -> str:
    """The hex SHA-256 stored for a session cookie token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore(StoreBase):
    """Browser sessions (hashed cookie tokens)."""

    def create_web_session(self, user_id: int, ttl_hours: float = 12.0) -> tuple[str, str]:
        """Open a session for ``user_id``; returns (cookie token, CSRF token), shown only now."""
        if ttl_hours <= 0:
            raise UserError(f"session lifetime must be positive, not {ttl_hours} hours")
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        csrf = secrets.token_urlsafe(CSRF_TOKEN_BYTES)
        now = utcnow()
        with self._transaction("opening a browser session") as session:
            user = session.get(User, user_id)
            if user is None:
                raise AuthError(f"no user {user_id}")
            session.add(
                WebSession(
                    token_hash=hash_session_token(token),
                    user_id=user.id,
                    organisation=user.organisation,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + timedelta(hours=ttl_hours),
                )
            )
        return token, csrf

    def web_session(self, token: str) -> tuple[User, WebSession]:
        """The user and live session a cookie token belongs to; ``AuthError`` otherwise."""
        query = select(WebSession, User).join(User, User.id == WebSession.user_id)
        query = query.where(WebSession.token_hash == hash_session_token(token))
        with self._transaction("reading a browser session") as session:
            row = session.execute(query).first()
        if row is None:
            raise AuthError("not logged in (unknown session)")
        web_session, user = row
        if web_session.revoked_at is not None:
            raise AuthError("session ended; log in again")
        if web_session.expires_at <= utcnow():
            raise AuthError("session expired; log in again")
        return user, web_session

    def end_web_session(self, token: str) -> None:
        """End (revoke) the session of a cookie token; unknown tokens are ignored."""
        query = select(WebSession).where(WebSession.token_hash == hash_session_token(token))
        with self._transaction("ending a browser session") as session:
            web_session = session.scalar(query)
            if web_session is not None and web_session.revoked_at is None:
                web_session.revoked_at = utcnow()

    # -- credentials listings (users and API keys, for the admin commands and pages) ----------

    def users(self, organisation: str | None = None) -> list[User]:
        """Users, by e-mail, optionally of one organisation."""
        query = select(User).order_by(User.email)
        if organisation is not None:
            query = query.where(User.organisation == organisation)
        with self._transaction("listing users") as session:
            return list(session.scalars(query))

    def user(self, user_id: int) -> User:
        """The user ``user_id``; ``NotFoundError`` if there is none."""
        with self._transaction("reading a user") as session:
            user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"no user {user_id}")
        return user

    def api_keys(self, organisation: str | None = None) -> list[ApiKey]:
        """API keys (their prefixes and dates, never the key), optionally of one organisation."""
        query = select(ApiKey).order_by(ApiKey.id)
        if organisation is not None:
            query = query.where(ApiKey.organisation == organisation)
        with self._transaction("listing API keys") as session:
            return list(session.scalars(query))

    def revoke_api_key_prefix(self, prefix: str, organisation: str | None = None) -> int:
        """Revoke the key(s) with this lookup prefix (the part after ``rf_``); returns how many."""
        query = select(ApiKey).where(ApiKey.prefix == prefix)
        if organisation is not None:
            query = query.where(ApiKey.organisation == organisation)
        with self._transaction("revoking an API key") as session:
            keys = list(session.scalars(query))
            if not keys:
                raise NotFoundError(f"no API key with prefix {prefix!r}")
            for key in keys:
                key.revoked_at = key.revoked_at or utcnow()
            return len(keys)

    @property
    def password_min_length(self) -> int:
        """The shortest password the policy accepts (``RINGFENCE_PASSWORD_MIN_LENGTH``)."""
        return self.settings.password_min_length if self.settings else DEFAULT_MIN_LENGTH

    def set_password(self, email: str, password: str) -> int:
        """Replace a user's password (policy-checked, salted scrypt hash); returns the user's id.

        Every browser session of the user ends with the change: whoever knew the old password
        and logged in with it is logged out.
        """
        email = normalise_email(email)
        check_password(password, email, self.password_min_length)
        password_hash = hashing.hash_password(password)
        with self._transaction(f"setting the password of {email!r}") as session:
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                raise NotFoundError(f"no user with e-mail {email!r}")
            user.password_hash = password_hash
            session.execute(
                update(WebSession)
                .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return user.id

    # -- failed logins (throttling; see ``ringfence.service.throttle``) ----------------------

    def record_login_failure(self, account: str, address: str) -> None:
        """Remember one failed login of ``account`` from ``address`` (old ones are dropped)."""
        now = utcnow()
        with self._transaction("recording a failed login") as session:
            session.add(LoginFailure(account=account[:320], address=address[:64], at=now))
            session.execute(delete(LoginFailure).where(LoginFailure.at < now - LOGIN_FAILURES_KEPT))

    def recent_login_failures(
        self, *, since: datetime, limit: int, account: str | None = None, address: str | None = None
    ) -> list[datetime]:
        """Times of the latest (at most ``limit``) failures since ``since``, newest first."""
        query = select(LoginFailure.at).where(LoginFailure.at >= since)
        if account is not None:
            query = query.where(LoginFailure.account == account[:320])
        if address is not None:
            query = query.where(LoginFailure.address == address[:64])
        query = query.order_by(LoginFailure.at.desc()).limit(limit)
        with self._transaction("reading failed logins") as session:
            return list(session.scalars(query))

    def clear_login_failures(self, account: str) -> None:
        """Forget an account's failed logins (after it logged in successfully)."""
        with self._transaction("clearing failed logins") as session:
            session.execute(delete(LoginFailure).where(LoginFailure.account == account[:320]))

    def api_key_holder(self, key: str) -> tuple[str, User | None]:
        """The organisation and user (None for an organisation key) of a live API key.

        One Core query for key and user together (no ORM unit of work): the service
        authenticates every API request, so this sits on the hot path. ``AuthError`` for a
        malformed, unknown or revoked key.
        """
        prefix = hashing.api_key_prefix(key)
        if prefix is None:
            raise AuthError("malformed API key")
        keys, users = ApiKey.__table__, User.__table__
        query = (
            select(
                keys.c.organisation.label("key_organisation"),
                keys.c.key_hash.label("key_hash"),
                keys.c.revoked_at.label("key_revoked_at"),
                *users.c,
            )
            .select_from(keys.outerjoin(users, users.c.id == keys.c.user_id))
            .where(keys.c.prefix == prefix)
        )
        with (
            database.store_errors(self.url, "checking an API key"),
            database.read_only(self.engine) as c,
        ):
            rows = c.execute(query).all()
        for row in rows:
            if hashing.api_key_matches(key, row.key_hash):
                if row.key_revoked_at is not None:
                    raise AuthError("API key revoked")
                user = None
                if row.id is not None:
                    user = User(**{column.key: getattr(row, column.key) for column in users.c})
                return row.key_organisation, user
        raise AuthError("unknown API key")
