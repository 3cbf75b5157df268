"""CLI: notifications (``sdgcities notifications …``): deliver the outbox, read, mute."""

from __future__ import annotations

import typer
from rich.markup import escape

from sdgcities.cli._common import console, handle_errors

app = typer.Typer(
    help="Notifications: send the queued e-mails, list a person's messages, mute e-mail by kind.",
    no_args_is_help=True,
)


@app.command(
    "send",
    epilog="""
Examples:

  sdgcities notifications send            # from cron: retries what failed
  SDGCITIES_SMTP_HOST=mail.example.org sdgcities notifications send --limit 100
""",
)
@handle_errors
def send(
    limit: int = typer.Option(500, "--limit", min=1, max=100_000, help="At most this many mails."),
) -> None:
    """Send the outbox's unsent e-mails through the configured SMTP server."""
    from sdgcities.cli._common import engine
    from sdgcities.config import get_settings
    from sdgcities.errors import ConfigurationError
    from sdgcities.notifications.service import send_pending
    from sdgcities.store.db import transaction

    settings = get_settings()
    with transaction(engine()) as s:
        res = send_pending(s, settings, limit=limit)
    if res.waiting:
        raise ConfigurationError(
            f"{res.waiting} e-mail(s) wait: no SMTP server is configured; "
            "set SDGCITIES_SMTP_HOST (and _PORT, _SENDER, _TLS)"
        )
    console.print(f"sent {res.sent}, failed {res.failed}", markup=False)
    for line in res.errors[:10]:
        console.print(f"  ✗ {line}", markup=False)
    if res.failed:
        raise typer.Exit(1)


@app.command(
    "list",
    epilog="""
Example:

  sdgcities notifications list editor@nairobi.example --unread
""",
)
@handle_errors
def list_cmd(
    email: str = typer.Argument(..., help="Whose messages."),
    unread: bool = typer.Option(False, "--unread", help="Only unread messages."),
) -> None:
    """A person's in-app messages, newest first."""
    from rich.table import Table

    from sdgcities.cli._common import engine
    from sdgcities.notifications.service import inbox
    from sdgcities.store.db import transaction

    table = Table("id", "when", "kind", "subject", "read")
    with transaction(engine()) as s:
        for m in inbox(s, email, unread_only=unread):
            table.add_row(
                str(m.id),
                m.created_at.isoformat(timespec="minutes"),
                m.kind,
                escape(m.subject),
                "yes" if m.read_at else "",
            )
    console.print(table)


@app.command(
    "mute",
    epilog="""
Examples:

  sdgcities notifications mute editor@nairobi.example sla_warning
  sdgcities notifications mute editor@nairobi.example sla_warning --unmute
""",
)
@handle_errors
def mute(
    email: str = typer.Argument(..., help="Whose preference."),
    kind: str = typer.Argument(..., help="sla_warning, sla_breach, match_confirmed, call_result …"),
    unmute: bool = typer.Option(False, "--unmute", help="Send the e-mails again."),
) -> None:
    """Mute (or unmute) e-mails of one kind; the in-app messages stay."""
    from sdgcities.cli._common import engine
    from sdgcities.notifications.service import set_email_muted
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        set_email_muted(s, email, kind, not unmute)
    console.print(f"✓ {kind} e-mails {'on' if unmute else 'muted'} for {email}", markup=False)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    root.add_typer(app, name="notifications")
