"""CLI: ``sdgcities certification check|submit|show|queue|approve|decline|request-changes|
certificate|verify|revoke``.

As for ``review``, ``--as EMAIL`` names the account acting and its role decides what it
may do: a city editor submits its city's stage with evidence; the staff of the regional
hub serving the city (or an admin) approves, declines or requests changes; an admin
revokes a certificate. Every action is written to the certification log.
Certification recognises completed stages; it never ranks cities.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, handle_errors
from sdgcities.cli.review import AS_HELP, _need, actor

certification_app = typer.Typer(
    help="SDG Cities certification: stage gates with evidence, reviewed by the city's hub.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

STAGE_HELP = "Stage number: 1 data & plans, 2 enablers, 3 investment pipeline, 4 impact."


def _print_check(result: dict[str, object]) -> None:
    mark = "[green]complete[/]" if result["complete"] else "[yellow]not complete[/]"
    console.print(f"[bold]Stage {result['stage']} — {result['stage_name']}[/]: {mark}")
    table = Table(header_style="bold")
    for col in ("requirement", "met", "why", "evidence"):
        table.add_column(col, overflow="fold")
    for r in result["requirements"]:  # type: ignore[attr-defined]
        ev = "; ".join(
            f"#{e['id']} {e['kind']} {e['ref']}"
            + (f" — {e['title']}" if e["title"] else "")
            + (f" ✗ {e['problem']}" if e["problem"] else "")
            for e in r["evidence"]
        )
        table.add_row(r["label"], "✓" if r["met"] else "✗", r["explanation"], ev)
    console.print(table)
    for err in result["errors"]:  # type: ignore[attr-defined]
        console.print(f"[red]✗[/] {err}")


@certification_app.command("check")
@handle_errors
def check_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    stage: int = typer.Option(..., "--stage", min=1, max=9, help=STAGE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the check as JSON."),
) -> None:
    """The automatic completeness check of a city's stage: each requirement met or missing.

    Examples:

      sdgcities certification check kisumu-ken --stage 1

      sdgcities certification check kisumu-ken --stage 2 --json
    """
    from sdgcities.certification.service import check_city
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        result = check_city(s, city, stage).as_dict()
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        _print_check(result)


def _evidence_pairs(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        kind, sep, ref = item.partition(":")
        if not sep or not kind or not ref:
            raise typer.BadParameter(
                f"{item!r}: use KIND:REF, e.g. dataset:12", param_hint="--evidence"
            )
        out.append((kind.strip(), ref.strip()))
    return out


@certification_app.command("submit")
@handle_errors
def submit_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    stage: int = typer.Option(..., "--stage", min=1, max=9, help=STAGE_HELP),
    evidence: list[str] = typer.Option(
        [], "--evidence", "-e", help="Evidence to attach, KIND:REF (repeatable)."
    ),
    comment: str = typer.Option("", "--comment", help="A note to the reviewer."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Attach evidence to the city's application for a stage and submit it for review.

    All or nothing: when an evidence item is refused or the completeness check fails,
    nothing is saved.

    Example:

      sdgcities certification submit kisumu-ken --stage 1 -e dataset:3 -e hex_layer:5 \\
        -e approved_plan:1 --as lab@kisumu.go.ke
    """
    from sdgcities.certification import service
    from sdgcities.store.db import transaction

    pairs = _evidence_pairs(evidence)
    with transaction(engine()) as s:
        user = actor(s, _need(as_))
        app = service.open_application(s, city, stage, actor=user)
        for kind, ref in pairs:
            service.add_evidence(s, app.id, kind, ref, actor=user)
        app = service.submit(s, app.id, actor=user, comment=comment)
        app_id = app.id
    console.print(f"[green]✓[/] application #{app_id} (stage {stage}) submitted for review")


@certification_app.command("show")
@handle_errors
def show_cmd(
    application: int = typer.Argument(..., help="Application id (see `certification queue`)."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Show an application: its completeness check and its audit trail.

    Example:

      sdgcities certification show 4 --as reviewer@hub.org
    """
    from sdgcities.certification import service
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        app = service.get_application(s, application, user=actor(s, _need(as_)))
        console.print(f"[bold]#{app.id}[/] stage {app.stage} — {app.state}")
        _print_check(service.check_application(s, app).as_dict())
        for e in service.history(s, app.id):
            note = f" — {e.comment}" if e.comment else ""
            console.print(f"  {e.at:%Y-%m-%d %H:%M} {e.actor}: {e.action} → {e.to_state}{note}")


@certification_app.command("queue")
@handle_errors
def queue_cmd(as_: str | None = typer.Option(None, "--as", help=AS_HELP)) -> None:
    """The applications in review that the account may review.

    Example:

      sdgcities certification queue --as reviewer@hub.org
    """
    from sdgcities.certification import service
    from sdgcities.store.db import transaction
    from sdgcities.store.models import City

    with transaction(engine()) as s:
        apps = service.review_queue(s, user=actor(s, _need(as_)))
        table = Table(header_style="bold")
        for col in ("id", "city", "stage", "submitted"):
            table.add_column(col)
        for a in apps:
            c = s.get(City, a.city_id)
            table.add_row(str(a.id), c.slug if c else "", str(a.stage), f"{a.updated_at:%Y-%m-%d}")
    console.print(table if apps else "nothing to review")


def _review(application: int, action: str, comment: str, as_: str | None) -> None:
    from sdgcities.certification import service
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        user = actor(s, _need(as_))
        app = service.review(s, application, action, actor=user, comment=comment)
        cert = service.certificate_of(s, app.id) if action == "approve" else None
        state, code = app.state, cert.code if cert else None
    console.print(f"[green]✓[/] application #{application}: {state}")
    if code:
        console.print(f"certificate [bold]{code}[/] issued")


COMMENT = typer.Option("", "--comment", help="What to change, or why (needed to decline).")


@certification_app.command("approve")
@handle_errors
def approve_cmd(
    application: int = typer.Argument(..., help="Application id."),
    comment: str = COMMENT,
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Approve an application in review and issue its certificate (hub staff, admins).

    Example:

      sdgcities certification approve 4 --as reviewer@hub.org
    """
    _review(application, "approve", comment, as_)


@certification_app.command("decline")
@handle_errors
def decline_cmd(
    application: int = typer.Argument(..., help="Application id."),
    comment: str = COMMENT,
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Decline an application in review, saying why (hub staff, admins).

    Example:

      sdgcities certification decline 4 --comment "the plan is not approved" --as reviewer@hub.org
    """
    _review(application, "decline", comment, as_)


@certification_app.command("request-changes")
@handle_errors
def request_changes_cmd(
    application: int = typer.Argument(..., help="Application id."),
    comment: str = COMMENT,
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Send an application back to the city with what to change (hub staff, admins).

    Example:

      sdgcities certification request-changes 4 --comment "attach the import" --as hub@un.org
    """
    _review(application, "request_changes", comment, as_)


@certification_app.command("review")
@handle_errors
def review_cmd(
    application: int = typer.Argument(..., help="Application id."),
    action: str = typer.Option(..., "--action", help="approve, decline or request-changes."),
    comment: str = COMMENT,
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Review an application: approve, decline or request changes (hub staff, admins).

    Example:

      sdgcities certification review 4 --action request-changes --comment "…" --as reviewer@hub.org
    """
    wanted = action.replace("-", "_")
    if wanted not in ("approve", "decline", "request_changes"):
        raise typer.BadParameter("use approve, decline or request-changes", param_hint="--action")
    _review(application, wanted, comment, as_)


@certification_app.command("certificate")
@handle_errors
def certificate_cmd(
    code: str = typer.Argument(..., help="Certificate code, e.g. 7KQ2-M9XA-…"),
    out: Path = typer.Option(..., "--out", help="PDF file to write."),
    base_url: str = typer.Option(
        "",
        "--base-url",
        help="The platform's address, for the QR code (e.g. https://sdg.city.org).",
    ),
) -> None:
    """Write a certificate as PDF, with a QR code to its public verification page.

    Example:

      sdgcities certification certificate 7KQ2-M9XA-4TRB-Q0ZD-HX3C --out kisumu-stage1.pdf
    """
    from sdgcities.certification.document import certificate_pdf
    from sdgcities.store.db import transaction

    if out.suffix.lower() != ".pdf":
        raise typer.BadParameter(
            "the certificate is a PDF: end the name in .pdf", param_hint="--out"
        )
    with transaction(engine()) as s:
        pdf = certificate_pdf(s, code, base_url=base_url)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(pdf)
    tmp.replace(out)
    console.print(f"[green]✓[/] wrote {out} ({len(pdf):,} bytes)")


@certification_app.command("verify")
@handle_errors
def verify_cmd(
    code: str = typer.Argument(..., help="Certificate code."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Verify a certificate code: city, stage, date, valid or revoked.

    Example:

      sdgcities certification verify 7KQ2-M9XA-4TRB-Q0ZD-HX3C
    """
    from dataclasses import asdict

    from sdgcities.certification.service import verify
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        v = verify(s, code)
    if as_json:
        typer.echo(json.dumps(asdict(v), indent=2, default=str))
        return
    colour = "green" if v.status == "valid" else "red"
    console.print(
        f"[bold]{v.code}[/]: {v.city_name} — stage {v.stage} ({v.stage_name}), "
        f"issued {v.issued_at:%Y-%m-%d}: [{colour}]{v.status}[/]"
    )
    if v.status == "revoked":
        console.print(f"revoked {v.revoked_at:%Y-%m-%d}: {v.revoked_reason}")


@certification_app.command("revoke")
@handle_errors
def revoke_cmd(
    code: str = typer.Argument(..., help="Certificate code."),
    reason: str = typer.Option(..., "--reason", help="Why it is revoked (shown publicly)."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Revoke a certificate (admins); the verification page then says so, with the reason.

    Example:

      sdgcities certification revoke 7KQ2-M9XA-4TRB-Q0ZD-HX3C --reason "in error" --as admin@un.org
    """
    from sdgcities.certification.service import revoke
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        cert = revoke(s, code, actor=actor(s, _need(as_)), reason=reason)
        done = cert.code
    console.print(f"[green]✓[/] certificate {done} revoked")


def register(app: typer.Typer) -> None:
    """Add ``certification`` to the main app."""
    app.add_typer(certification_app, name="certification")
