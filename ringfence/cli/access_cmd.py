"""``ringfence org|user|key|sharing``: organisations, people, API keys and sharing agreements.

Every change goes through the operational store's own methods, so sharing changes are audited
exactly as when made through the API; the CLI acts as ``cli:<login name>``.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer

from ringfence.cli.errors import one_line_errors
from ringfence.errors import UserError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tables import ORGANISATION_KINDS, USER_ROLES

org_app = typer.Typer(help="Organisations (partners) of the operation.", no_args_is_help=True)
user_app = typer.Typer(help="People who log in, with their role.", no_args_is_help=True)
key_app = typer.Typer(help="API keys (stored hashed; shown once).", no_args_is_help=True)
sharing_app = typer.Typer(help="Sharing agreements between organisations.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``org``, ``user``, ``key`` and ``sharing`` command groups."""
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(key_app, name="key")
    app.add_typer(sharing_app, name="sharing")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (e.g. a container without passwd entry)
        return "cli"


@org_app.command("create")
def org_create(
    slug: str = typer.Argument(..., help="Short lower-case id, e.g. customs-nl."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the slug)."),
    kind: str = typer.Option("partner", "--kind", help=f"One of: {', '.join(ORGANISATION_KINDS)}."),
) -> None:
    """Create an organisation (an existing one is left unchanged)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        store.ensure_organisation(slug, name, kind)
        store.audit("org.create", _actor(), slug, {"name": name or slug, "kind": kind})
    typer.echo(f"organisation {slug} ({kind})")


@org_app.command("list")
def org_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List organisations."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        rows = [{"slug": o.slug, "name": o.name, "kind": o.kind} for o in store.organisations()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    for row in [] if as_json else rows:
        typer.echo(f"{row['slug']}\t{row['kind']}\t{row['name']}")


def _password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError(f"{password_file}: cannot read the password: {exc.strerror}") from None
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password  # the store checks it against the password policy


@user_app.command("create")
def user_create(
    email: str = typer.Argument(..., help="Login e-mail."),
    org: str = typer.Option(..., "--org", help="Organisation slug."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(USER_ROLES)}."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the e-mail)."),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the password from this file (default: prompt)."
    ),
) -> None:
    """Create a user; the password is prompted for (or read from --password-file)."""
    with one_line_errors():
        password = _password(password_file)
        with OperationalStore.open(Settings()) as store:
            user_id = store.create_user(
                organisation=org,
                email=email,
                display_name=name or email,
                role=role,
                password=password,
            )
            store.audit("user.create", _actor(), org, {"user": user_id, "role": role})
    typer.echo(f"user {user_id}: {email} ({role} at {org})")


@user_app.command("password")
def user_password(
    email: str = typer.Argument(..., help="Login e-mail of the user."),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the new password from this file (default: prompt)."
    ),
) -> None:
    """Set a user's password (policy-checked); every browser session of the user ends."""
    with one_line_errors():
        password = _password(password_file)
        with OperationalStore.open(Settings()) as store:
            user_id = store.set_password(email, password)
            user = store.user(user_id)
            store.audit("user.password", _actor(), user.organisation, {"user": user_id})
    typer.echo(f"password of user {user_id} ({user.email}) changed; their sessions are ended")


@user_app.command("list")
def user_list(
    org: str | None = typer.Option(None, "--org", help="Only this organisation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List users."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        rows = [
            {
                "id": u.id,
                "email": u.email,
                "organisation": u.organisation,
                "role": u.role,
                "name": u.display_name,
            }
            for u in store.users(org)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    for row in [] if as_json else rows:
        typer.echo(f"{row['id']}\t{row['email']}\t{row['organisation']}\t{row['role']}")


@key_app.command("create")
def key_create(
    org: str = typer.Option(..., "--org", help="Organisation slug."),
    user: int | None = typer.Option(None, "--user", help="Act as this user id (its role)."),
) -> None:
    """Create an API key and print it (once; only its hash is stored)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        key = store.create_api_key(org, user)
        store.audit("key.create", _actor(), org, {"prefix": key.split("_")[1], "user": user})
    typer.echo(key)


@key_app.command("list")
def key_list(
    org: str | None = typer.Option(None, "--org", help="Only this organisation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List API keys by prefix (never the key)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        rows = [
            {
                "prefix": k.prefix,
                "organisation": k.organisation,
                "user_id": k.user_id,
                "created_at": k.created_at.isoformat(),
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in store.api_keys(org)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    for row in [] if as_json else rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "live"
        typer.echo(f"{row['prefix']}\t{row['organisation']}\tuser {row['user_id']}\t{state}")


@key_app.command("revoke")
def key_revoke(
    key: str = typer.Argument(..., help="The key, or its 12-character prefix."),
) -> None:
    """Revoke an API key (given whole or by prefix)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        prefix = key.split("_")[1] if key.startswith("rf_") and key.count("_") >= 2 else key
        owners = {k.organisation for k in store.api_keys() if k.prefix == prefix}
        store.revoke_api_key_prefix(prefix)
        for owner in sorted(owners):
            store.audit("key.revoke", _actor(), owner, {"prefix": prefix})
    typer.echo(f"revoked key {prefix}")


@sharing_app.command("grant")
def sharing_grant(
    owner: str = typer.Option(..., "--from", help="Organisation whose data is shared."),
    recipient: str = typer.Option(..., "--to", help="Organisation that may read it."),
    dataset_name: str = typer.Option(..., "--dataset", help="Dataset, e.g. watchlist."),
    fields: str = typer.Option("*", "--fields", help="Comma-separated fields, or '*'."),
    row_filter: str | None = typer.Option(
        None, "--filter", help='Row filter as JSON, e.g. \'{"brand": "$recipient_brands"}\'.'
    ),
    purpose: str = typer.Option("", "--purpose", help="Why the data is shared."),
) -> None:
    """Let one organisation read (some fields of) another's dataset (audited)."""
    # the service stack loads only when needed
    from ringfence.service.agreement_fields import check_agreement

    with one_line_errors():
        try:
            parsed = json.loads(row_filter) if row_filter else {}
        except json.JSONDecodeError as exc:
            raise UserError(f"--filter is not JSON: {exc.msg}") from None
        if not isinstance(parsed, dict):
            raise UserError("--filter must be a JSON object: field → value or list of values")
        field_list = [f.strip() for f in fields.split(",") if f.strip()]
        check_agreement(dataset_name, field_list, parsed)
        with OperationalStore.open(Settings()) as store:
            agreement_id = store.create_sharing_agreement(
                owner=owner,
                recipient=recipient,
                dataset=dataset_name,
                fields=field_list,
                row_filter=parsed,
                purpose=purpose,
                actor=_actor(),
            )
    typer.echo(f"agreement {agreement_id}: {owner} → {recipient} {dataset_name} {fields}")


@sharing_app.command("list")
def sharing_list(
    org: str | None = typer.Option(None, "--org", help="Only agreements this organisation is in."),
    include_revoked: bool = typer.Option(False, "--all", help="Include revoked agreements."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List sharing agreements."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        rows = [
            {
                "id": a.id,
                "owner": a.owner,
                "recipient": a.recipient,
                "dataset": a.dataset,
                "fields": a.fields,
                "row_filter": a.row_filter,
                "purpose": a.purpose,
                "revoked_at": a.revoked_at.isoformat() if a.revoked_at else None,
            }
            for a in store.sharing_agreements(org, include_revoked=include_revoked)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    for r in [] if as_json else rows:
        where = f" where {json.dumps(r['row_filter'])}" if r["row_filter"] else ""
        revoked = " (revoked)" if r["revoked_at"] else ""
        fields = ",".join(str(f) for f in r["fields"] or [])  # type: ignore[union-attr]
        typer.echo(
            f"{r['id']}\t{r['owner']} → {r['recipient']}\t{r['dataset']}\t{fields}{where}{revoked}"
        )


@sharing_app.command("revoke")
def sharing_revoke(agreement_id: int = typer.Argument(..., help="Agreement id.")) -> None:
    """Revoke a sharing agreement (audited)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        store.revoke_sharing_agreement(agreement_id, actor=_actor())
    typer.echo(f"revoked agreement {agreement_id}")
