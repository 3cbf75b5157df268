"""CLI: ``sdgcities review list|show|submit|publish|return`` and ``sdgcities hubs …``.

The command line has no login: ``--as EMAIL`` names the account acting, and that
account's role decides what it may do, exactly as on the web (a city editor submits
its cities' drafts; a reviewer of the hub serving the city, the global hub or an admin
publishes or returns). Every action is written to the review log under that e-mail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, handle_errors

if TYPE_CHECKING:  # `sdgcities review --help` starts without SQLAlchemy
    from sqlalchemy.orm import Session

    from sdgcities.store.models import User

review_app = typer.Typer(
    help="Review draft values: submit them, publish them or return them with comments.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
hubs_app = typer.Typer(
    help="Hubs of the network: the cities each serves and its staff (reviewers).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

AS_HELP = "E-mail of the account acting (its role decides what it may do)."


def actor(session: Session, email: str | None, *, option: str = "--as") -> User | None:
    """The account named by ``--as`` (None without it); inactive accounts are refused."""
    if not email:
        return None
    from sdgcities.accounts.users import get_user

    user = get_user(session, email)
    if not user.active:
        raise typer.BadParameter(f"the account {user.email} is deactivated", param_hint=option)
    return user


def _need(email: str | None) -> str:
    if not email:
        raise typer.BadParameter(
            "say which account acts, e.g. --as reviewer@hub.org", param_hint="--as"
        )
    return email


@review_app.command("list")
@handle_errors
def list_cmd(
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    state: str | None = typer.Option(None, "--state", help="draft, submitted, returned, published"),
    city: str | None = typer.Option(None, "--city", help="City slug, id or name."),
    queue: bool = typer.Option(False, "--queue", help="Only what this account may review."),
) -> None:
    """List the submissions the account may see, newest first.

    Examples:

      sdgcities review list --as reviewer@hub.org --queue --state submitted

      sdgcities review list --as lab@nairobi.go.ke --city nairobi-ken
    """
    from sdgcities.observations.service import resolve_city
    from sdgcities.review.service import item_ids, list_submissions
    from sdgcities.review.workflow import STATES
    from sdgcities.store.db import transaction
    from sdgcities.store.models import City

    if state is not None and state not in STATES:
        raise typer.BadParameter(f"use one of {', '.join(STATES)}", param_hint="--state")
    with transaction(engine()) as s:
        user = actor(s, as_)
        cid = resolve_city(s, city).id if city else None
        subs = list_submissions(s, user=user, state=state, city_id=cid, reviewable=queue)
        table = Table(header_style="bold")
        for col in ("id", "city", "state", "kind", "values", "by", "updated"):
            table.add_column(col)
        for sub in subs:
            c = s.get(City, sub.city_id)
            table.add_row(
                str(sub.id),
                c.slug if c else str(sub.city_id),
                sub.state,
                sub.kind,
                str(len(item_ids(s, sub.id))),
                sub.created_by,
                sub.updated_at.strftime("%Y-%m-%d %H:%M"),
            )
    console.print(table if subs else "no submissions")


@review_app.command("show")
@handle_errors
def show_cmd(
    submission: int = typer.Argument(..., help="Submission id (see `review list`)."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """Show a submission: each draft value beside the published one, and its log.

    Example:

      sdgcities review show 3 --as reviewer@hub.org
    """
    from sdgcities.review.service import show
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        view = show(s, submission, user=actor(s, as_))
        sub = view.submission
        console.print(
            f"[bold]#{sub.id}[/] {view.city.name} — {sub.state} ({sub.kind}) · {sub.title}"
        )
        table = Table(header_style="bold")
        for col in ("indicator", "year", "breakdown", "published", "draft", "reason"):
            table.add_column(col)
        for it in view.items:
            pub = "—" if it.published_value is None else f"{it.published_value:g}"
            table.add_row(
                it.indicator, str(it.year), it.disaggregation, pub, f"{it.value:g}", it.reason
            )
        console.print(table)
        for e in view.log:
            note = f" — {e.comment}" if e.comment else ""
            console.print(
                f"  {e.at:%Y-%m-%d %H:%M} {e.actor}: {e.action} "
                f"{e.from_state or '·'} → {e.to_state}{note}"
            )


@review_app.command("submit")
@handle_errors
def submit_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    comment: str = typer.Option("", "--comment", help="A note for the reviewers."),
) -> None:
    """Submit the city's current draft values for review.

    Example:

      sdgcities review submit nairobi-ken --as lab@nairobi.go.ke --comment "2024 survey"
    """
    from sdgcities.review.service import item_ids, submit
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        sub = submit(s, city, actor=actor(s, _need(as_)), comment=comment)
        sid, n = sub.id, len(item_ids(s, sub.id))
    console.print(f"[green]✓[/] submission #{sid}: {n} value(s) submitted for review")


@review_app.command("publish")
@handle_errors
def publish_cmd(
    submission: int = typer.Argument(..., help="Submission id."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    comment: str = typer.Option("", "--comment", help="A note kept in the log."),
) -> None:
    """Publish a submitted batch: the public sees its values from now on.

    Example:

      sdgcities review publish 3 --as reviewer@hub.org
    """
    from sdgcities.review.service import publish
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        sub = publish(s, submission, actor=actor(s, _need(as_)), comment=comment)
        sid = sub.id
    console.print(f"[green]✓[/] submission #{sid} published")


@review_app.command("return")
@handle_errors
def return_cmd(
    submission: int = typer.Argument(..., help="Submission id."),
    comment: str = typer.Option(..., "--comment", help="What the editors must fix (required)."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """Return a submission to the city's editors with a comment.

    Example:

      sdgcities review return 3 --as reviewer@hub.org --comment "11.7.1: 2019 is a typo"
    """
    from sdgcities.review.service import return_submission
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        sub = return_submission(s, submission, actor=actor(s, _need(as_)), comment=comment)
        sid = sub.id
    console.print(f"[green]✓[/] submission #{sid} returned to the editors")


# --------------------------------------------------------------------------- hubs


@hubs_app.command("create")
@handle_errors
def hubs_create_cmd(
    slug: str = typer.Argument(..., help="Short id, e.g. east-africa."),
    name: str = typer.Option(..., "--name", help="The hub's name."),
    kind: str = typer.Option("regional", "--kind", help="regional or global."),
    country: str | None = typer.Option(None, "--country", help="Host country (ISO3)."),
    region: str | None = typer.Option(None, "--region", help="SDG region it works in."),
) -> None:
    """Create a hub.

    Example:

      sdgcities hubs create east-africa --name "East Africa hub" --country KEN
    """
    from sdgcities.accounts.hubs import create_hub
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        hub = create_hub(
            s, slug=slug, name=name, kind=kind, host_country_iso3=country, sdg_region=region
        )
        out = f"{hub.slug} ({hub.kind})"
    console.print(f"[green]✓[/] hub {out} created")


@hubs_app.command("add-city")
@handle_errors
def hubs_add_city_cmd(
    hub: str = typer.Argument(..., help="Hub slug or id."),
    city: list[str] = typer.Argument(..., help="City slug(s), id(s) or name(s)."),
) -> None:
    """Let the hub serve (and review) one or more cities.

    Example:

      sdgcities hubs add-city east-africa nairobi-ken kampala-uga
    """
    from sdgcities.accounts.hubs import add_city
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        for c in city:
            add_city(s, hub, c)
    console.print(f"[green]✓[/] {hub} serves {', '.join(city)}")


@hubs_app.command("remove-city")
@handle_errors
def hubs_remove_city_cmd(
    hub: str = typer.Argument(..., help="Hub slug or id."),
    city: str = typer.Argument(..., help="City slug, id or name."),
) -> None:
    """Stop the hub serving a city.

    Example:

      sdgcities hubs remove-city east-africa kampala-uga
    """
    from sdgcities.accounts.hubs import remove_city
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        done = remove_city(s, hub, city)
    console.print(
        f"[green]✓[/] {city} removed" if done else f"[cyan]=[/] {hub} did not serve {city}"
    )


@hubs_app.command("add-member")
@handle_errors
def hubs_add_member_cmd(
    hub: str = typer.Argument(..., help="Hub slug or id."),
    email: str = typer.Argument(..., help="The account's e-mail."),
    function: str = typer.Option("reviewer", "--function", help="reviewer, advisor, trainer …"),
) -> None:
    """Put an account on the hub's staff (a regional_hub account then reviews its cities).

    Example:

      sdgcities hubs add-member east-africa reviewer@hub.org
    """
    from sdgcities.accounts.hubs import add_member
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        add_member(s, hub, email, function=function)
    console.print(f"[green]✓[/] {email} is on the staff of {hub} ({function})")


@hubs_app.command("remove-member")
@handle_errors
def hubs_remove_member_cmd(
    hub: str = typer.Argument(..., help="Hub slug or id."),
    email: str = typer.Argument(..., help="The account's e-mail."),
) -> None:
    """Take an account off the hub's staff.

    Example:

      sdgcities hubs remove-member east-africa reviewer@hub.org
    """
    from sdgcities.accounts.hubs import remove_member
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        done = remove_member(s, hub, email)
    console.print("[green]✓[/] removed" if done else f"[cyan]=[/] {email} was not on {hub}")


@hubs_app.command("list")
@handle_errors
def hubs_list_cmd() -> None:
    """List the hubs with the cities they serve and their staff.

    Example:

      sdgcities hubs list
    """
    from sdgcities.accounts.hubs import list_hubs
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        hubs = list_hubs(s)
        table = Table(header_style="bold")
        for col in ("hub", "kind", "name", "cities", "staff"):
            table.add_column(col, overflow="fold")
        for h in hubs:
            table.add_row(
                h.hub.slug,
                h.hub.kind,
                h.hub.name,
                ", ".join(h.cities),
                ", ".join(f"{e} ({f})" for e, f in h.members),
            )
    console.print(table if hubs else "no hubs; create one with `sdgcities hubs create`")


def register(app: typer.Typer) -> None:
    """Add ``review`` and ``hubs`` to the main app."""
    app.add_typer(review_app, name="review")
    app.add_typer(hubs_app, name="hubs")
