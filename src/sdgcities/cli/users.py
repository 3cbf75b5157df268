"""CLI: ``sdgcities users add|list|grant|revoke|role|token``."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, err_console, handle_errors

users_app = typer.Typer(
    help="Accounts: create them, give roles, grant cities to city editors, issue API tokens.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

_PASSWORD_ENV = "SDGCITIES_PASSWORD"


def _read_password(email: str) -> str:
    env = os.environ.get(_PASSWORD_ENV)
    if env:
        return env
    password: str = typer.prompt(f"password for {email}", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
@handle_errors
def add_cmd(
    email: str = typer.Argument(..., help="The e-mail address the user logs in with."),
    role: str = typer.Option(
        "learner",
        "--role",
        "-r",
        help="admin, global_hub, regional_hub, city_editor, investor, learner or public.",
    ),
    name: str = typer.Option("", "--name", help="The user's name as shown on pages."),
    region: str | None = typer.Option(
        None, "--region", help="For a regional hub: the SDG region it reviews."
    ),
    city: list[str] = typer.Option(
        [], "--city", "-c", help="For a city editor: a city it may edit (repeatable)."
    ),
    hub: str | None = typer.Option(
        None,
        "--hub",
        help="For hub staff: the hub (slug) whose staff it joins; a regional hub's region "
        "then defaults to the hub's SDG region (or its name), so --region is optional.",
    ),
) -> None:
    """Create an account (the password is asked for, or read from SDGCITIES_PASSWORD).

    Examples:

      sdgcities users add admin@example.org --role admin

      sdgcities users add lab@nairobi.go.ke --role city_editor --city nairobi-ken

      sdgcities users add reviewer@hub.example --role regional_hub --hub east-africa
    """
    from sdgcities.accounts.hubs import add_member, get_hub
    from sdgcities.accounts.users import create_user, grant_city
    from sdgcities.errors import Finding, ValidationError
    from sdgcities.store.db import transaction

    if hub and role not in ("regional_hub", "global_hub"):
        raise ValidationError(
            f"--hub is for hub staff, not the role {role!r}",
            [
                Finding(
                    "not a hub role", column="--role", value=role, fix="regional_hub or global_hub"
                )
            ],
        )
    password = _read_password(email)
    with transaction(engine()) as session:
        the_hub = get_hub(session, hub) if hub else None
        if the_hub is not None and role == "regional_hub" and not (region or "").strip():
            region = the_hub.sdg_region or the_hub.name
        user = create_user(
            session, email=email, password=password, role=role, name=name, region=region
        )
        for c in city:
            grant_city(session, user.id, c)
        if the_hub is not None:
            add_member(session, the_hub.id, user.id)
        where = f", staff of {the_hub.slug}" if the_hub is not None else ""
        console.print(f"[green]✓[/] created {user.email} ({user.role}{where})")


@users_app.command("list")
@handle_errors
def list_cmd(
    role: str | None = typer.Option(None, "--role", "-r", help="Only users with this role."),
) -> None:
    """List the accounts with their role, region and cities."""
    from sdgcities.accounts.users import cities_of, list_users
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        users = list_users(session, role=role)
        cities = cities_of(session, users)
        table = Table(header_style="bold", title="accounts")
        for col in ("id", "email", "name", "role", "region", "cities", "active"):
            table.add_column(col)
        for u in users:
            table.add_row(
                str(u.id),
                u.email,
                u.name or "",
                u.role,
                u.region or "",
                ", ".join(cities[u.id]),
                "yes" if u.active else "no",
            )
    console.print(table)


@users_app.command("grant")
@handle_errors
def grant_cmd(
    email: str = typer.Argument(..., help="The city editor's e-mail address."),
    cities: list[str] = typer.Argument(..., help="Cities (slug, id or name) to grant."),
) -> None:
    """Let a city editor edit these cities.

    Example: sdgcities users grant lab@nairobi.go.ke nairobi-ken
    """
    from sdgcities.accounts.users import grant_city
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        for c in cities:
            grant_city(session, email, c)
    console.print(f"[green]✓[/] {email} may edit {', '.join(cities)}")


@users_app.command("revoke")
@handle_errors
def revoke_cmd(
    email: str = typer.Argument(..., help="The city editor's e-mail address."),
    cities: list[str] = typer.Argument(..., help="Cities (slug, id or name) to withdraw."),
) -> None:
    """Withdraw cities from a city editor."""
    from sdgcities.accounts.users import revoke_city
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        for c in cities:
            revoke_city(session, email, c)
    console.print(f"[green]✓[/] {email} may no longer edit {', '.join(cities)}")


@users_app.command("role")
@handle_errors
def role_cmd(
    email: str = typer.Argument(..., help="The user's e-mail address."),
    role: str = typer.Argument(..., help="The new role."),
    region: str | None = typer.Option(None, "--region", help="For a regional hub."),
) -> None:
    """Give a user another role."""
    from sdgcities.accounts.users import set_role
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        user = set_role(session, email, role, region=region)
        console.print(f"[green]✓[/] {user.email} is now {user.role}")


@users_app.command("token")
@handle_errors
def token_cmd(
    email: str = typer.Argument(..., help="The user the token acts for."),
    name: str = typer.Option("", "--name", help="What the token is for (e.g. 'nightly import')."),
    revoke: int | None = typer.Option(None, "--revoke", help="Revoke the token with this id."),
) -> None:
    """Issue an API token (printed once, on stdout) or revoke one.

    Use it as 'Authorization: Bearer <token>'. Example:

      sdgcities users token lab@nairobi.go.ke --name "nightly import"
    """
    from sdgcities.accounts.tokens import issue_token, revoke_token
    from sdgcities.accounts.users import get_user
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        if revoke is not None:
            user = get_user(session, email)
            revoke_token(session, revoke, user_id=user.id)
            console.print(f"[green]✓[/] token {revoke} of {user.email} revoked")
            return
        token, row = issue_token(session, email, name=name)
    err_console.print(
        f"token {row.id} for {email} — shown only now; store it safely:", highlight=False
    )
    typer.echo(token)


@users_app.command("unlock")
@handle_errors
def unlock_cmd(
    email: str = typer.Argument(..., help="The account whose failed logins to forget."),
) -> None:
    """Forget an account's failed logins, so that no delay slows its next login.

    Failed logins never lock an account; they only make the client that failed wait
    longer each time. Use this when a user was slowed down by their own mistakes.
    Example:

      sdgcities users unlock lab@nairobi.go.ke
    """
    from sdgcities.accounts.login import unlock
    from sdgcities.accounts.users import get_user
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        user = get_user(session, email)
        removed = unlock(session, user.email)
    console.print(f"[green]✓[/] {user.email}: {removed} failed login(s) forgotten")


@users_app.command("invite")
@handle_errors
def invite_cmd(
    email: str = typer.Argument(..., help="Whom to invite."),
    role: str = typer.Option("learner", "--role", "-r", help="The role of the new account."),
    city: list[str] = typer.Option([], "--city", "-c", help="A city to edit (repeatable)."),
    region: str | None = typer.Option(None, "--region", help="For a regional hub."),
    by: str = typer.Option("", "--by", help="Who invites (kept with the invitation)."),
    language: str = typer.Option(
        "en", "--language", help="The language of the e-mail: en, fr or es."
    ),
) -> None:
    """Invite someone by e-mail: a single-use link, valid 7 days, to create their account.

    The mail goes through SDGCITIES_SMTP_HOST; without one, the link is printed for
    you to pass on. Links start with SDGCITIES_BASE_URL. Examples:

      sdgcities users invite lab@nairobi.go.ke --role city_editor --city nairobi-ken

      sdgcities users invite analyst@un.org --role global_hub

      sdgcities users invite urbanisme@dakar.sn --role city_editor --city dakar --language fr
    """
    from sdgcities._i18n import LOCALES
    from sdgcities.accounts.invitations import INVITE_LIFETIME, invite
    from sdgcities.accounts.mail import invitation_mail, send_mail
    from sdgcities.config import get_settings
    from sdgcities.errors import Finding, ValidationError

    if language not in LOCALES:
        raise ValidationError(
            f"--language {language!r} is not one of {', '.join(LOCALES)}",
            [Finding("unknown language", column="--language", value=language, fix="en, fr or es")],
        )
    from sdgcities.store.db import transaction

    settings = get_settings()
    with transaction(engine()) as session:
        token = invite(
            session,
            settings.secret_key,
            email,
            role=role,
            cities=list(city),
            region=region,
            invited_by=by,
        )
        base = settings.base_url or "http://127.0.0.1:8000"
        url = f"{base}/invitation?token={token}"
        if settings.smtp_host:
            subject, body = invitation_mail(language, role=role, days=INVITE_LIFETIME.days, url=url)
            send_mail(settings, to=email, subject=subject, body=body)
    if settings.smtp_host:
        console.print(f"[green]✓[/] invitation mailed to {email} ({role})")
    else:
        err_console.print(
            f"no SMTP server configured (SDGCITIES_SMTP_HOST): pass this link to {email}; "
            "it works once, for 7 days:",
            highlight=False,
        )
        typer.echo(url)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(users_app, name="users")
