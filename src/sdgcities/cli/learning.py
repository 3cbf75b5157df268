"""CLI: UN-Habitat Learn (``sdgcities learning …``): courses, enrolment, completions,
certificates, badges and reports.

The command line has no login: ``--as EMAIL`` names the account acting where a role
decides (enrolling someone else, importing completions, revoking).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from sdgcities.cli._common import console, err_console, handle_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sdgcities.store.models import User

app = typer.Typer(
    help="UN-Habitat Learn: courses, enrolment, completions, certificates, badges, reports.",
    no_args_is_help=True,
)
course_app = typer.Typer(help="Courses: import from a course file, list.", no_args_is_help=True)
completions_app = typer.Typer(help="Completions: export as CSV or xAPI.", no_args_is_help=True)
certificate_app = typer.Typer(help="Certificates: the PDF.", no_args_is_help=True)
app.add_typer(course_app, name="course")
app.add_typer(completions_app, name="completions")
app.add_typer(certificate_app, name="certificate")

AS_HELP = "E-mail of the account acting (its role decides what it may do)."


def _actor(session: Session, email: str) -> User:
    from sdgcities.accounts.users import get_user

    user = get_user(session, email)
    if not user.active:
        raise typer.BadParameter(f"the account {user.email} is deactivated", param_hint="--as")
    return user


def _base_url(given: str | None) -> str:
    from sdgcities.config import get_settings

    base = given or get_settings().base_url
    if not base:
        base = "http://127.0.0.1:8000"
        err_console.print(
            f"[yellow]no SDGCITIES_BASE_URL set: links point at {base} "
            "(give --base-url https://learn.example.org)[/]"
        )
    return base.rstrip("/")


@course_app.command(
    "import",
    epilog="""
Examples:

  sdgcities learning course import course.yaml
  sdgcities learning course import course.json --replace

The file: slug, catalogue (a training_course entry), title, summary, format
(self_paced | blended), language, hours, lessons (title + text in Markdown, or url),
assessments (title, pass_mark %, questions with choices and the right answer counted
from 1).
""",
)
@handle_errors
def course_import(
    file: Path = typer.Argument(..., help="A YAML or JSON course file."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace an existing course of that slug (none enrolled)."
    ),
) -> None:
    """Import a course (lessons, assessments, pass marks) from a course file. All-or-nothing."""
    from sdgcities.cli._common import engine
    from sdgcities.learning import service as svc
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        course, created = svc.import_course(s, file, replace=replace)
        n_l = len(svc.lessons_of(s, course))
        n_a = len(svc.assessments_of(s, course))
        slug = course.slug
    verb = "imported" if created else "replaced"
    console.print(f"✓ {verb} {slug}: {n_l} lessons, {n_a} assessments", markup=False)


@course_app.command(
    "list",
    epilog="""
Examples:

  sdgcities learning course list
  sdgcities learning course list --json courses.json
""",
)
@handle_errors
def course_list(
    json_out: Path | None = typer.Option(None, "--json", help="Write the list as JSON."),
) -> None:
    """The courses with format, hours, enrolments and completions."""
    from rich.table import Table
    from sqlalchemy import func, select

    from sdgcities.cli._common import engine
    from sdgcities.learning import service as svc
    from sdgcities.learning.models import Enrolment
    from sdgcities.store.db import transaction

    rows: list[dict[str, Any]] = []
    with transaction(engine()) as s:
        for c in svc.list_courses(s, published_only=False):
            enrolled = s.scalar(select(func.count()).where(Enrolment.course_id == c.id)) or 0
            done = (
                s.scalar(
                    select(func.count()).where(
                        Enrolment.course_id == c.id, Enrolment.completed_at.is_not(None)
                    )
                )
                or 0
            )
            rows.append(
                {
                    "slug": c.slug,
                    "title": c.title,
                    "format": c.format,
                    "language": c.language,
                    "hours": c.hours,
                    "enrolments": enrolled,
                    "completions": done,
                }
            )
    if json_out is not None:
        json_out.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"✓ wrote {json_out}", markup=False)
        return
    table = Table("course", "title", "format", "hours", "enrolments", "completions")
    for r in rows:
        table.add_row(
            r["slug"],
            escape(r["title"]),
            r["format"],
            f"{r['hours']:g}",
            str(r["enrolments"]),
            str(r["completions"]),
        )
    console.print(table)


@app.command(
    "enrol",
    epilog="""
Examples:

  sdgcities learning enrol demo-sdg11-monitoring-basics amina@example.org --as amina@example.org
  sdgcities learning enrol demo-sdg11-monitoring-basics amina@example.org --as hub@example.org
""",
)
@handle_errors
def enrol(
    course: str = typer.Argument(..., help="The course's slug."),
    email: str = typer.Argument(..., help="The learner's e-mail."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """Enrol a learner (themself, or anyone when --as is hub staff or an admin)."""
    from sdgcities.accounts.users import get_user
    from sdgcities.cli._common import engine
    from sdgcities.learning import service as svc
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        c = svc.get_course(s, course)
        _, created = svc.enrol(s, c, get_user(s, email), actor=_actor(s, as_), source="cli")
    console.print(
        f"✓ {email} {'enrolled on' if created else 'was already enrolled on'} {course}",
        markup=False,
    )


@app.command(
    "complete-import",
    epilog="""
Examples:

  sdgcities learning complete-import completions.csv --as hub@example.org
  sdgcities learning complete-import completions.csv --as hub@example.org --create-learners

Columns: course,email,name,completed_on,sex,country,organisation_type (course, email
and completed_on required; completed_on as YYYY-MM-DD).
""",
)
@handle_errors
def complete_import(
    file: Path = typer.Argument(..., help="The completions CSV."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    create_learners: bool = typer.Option(
        False, "--create-learners", help="Create a learner account for an unknown e-mail."
    ),
) -> None:
    """Import completions kept elsewhere; every problem by row and column, then all or none."""
    from sdgcities.cli._common import engine
    from sdgcities.learning.transfer import import_completions
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        res = import_completions(s, file, actor=_actor(s, as_), create_learners=create_learners)
    console.print(
        f"✓ {res.imported} completions imported, {res.skipped} already there; "
        f"{len(res.created_learners)} learner accounts created",
        markup=False,
    )


@completions_app.command(
    "export",
    epilog="""
Examples:

  sdgcities learning completions export --out completions.csv
  sdgcities learning completions export --course demo-sdg11-monitoring-basics --out c.csv
  sdgcities learning completions export --xapi --out statements.json
""",
)
@handle_errors
def completions_export(
    out: Path = typer.Option(..., "--out", help="The file to write."),
    course: str | None = typer.Option(None, "--course", help="Only this course."),
    xapi: bool = typer.Option(False, "--xapi", help="xAPI statements (JSON) instead of CSV."),
    base_url: str | None = typer.Option(None, "--base-url", help="Course IRIs start here."),
) -> None:
    """Export completions as CSV (with e-mails: personal data) or as xAPI statements."""
    from sdgcities.cli._common import engine
    from sdgcities.learning import transfer
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        if xapi:
            text = json.dumps(transfer.xapi_statements(s, base_url=_base_url(base_url)), indent=2)
        else:
            text = transfer.completions_csv(s, course=course)
    out.write_text(text, encoding="utf-8")
    console.print(f"✓ wrote {out}", markup=False)


@certificate_app.command(
    "pdf",
    epilog="""
Examples:

  sdgcities learning certificate pdf SDGL-QZ4B-PTA5-0XW9 --out certificate.pdf
  sdgcities learning certificate pdf SDGL-QZ4B-PTA5-0XW9 --out c.pdf --base-url https://learn.example.org
""",
)
@handle_errors
def certificate_pdf(
    code: str = typer.Argument(..., help="The certificate code."),
    out: Path = typer.Option(..., "--out", help="The PDF to write."),
    base_url: str | None = typer.Option(None, "--base-url", help="The QR code's site."),
) -> None:
    """Write a certificate's PDF (with the QR code of its verification page)."""
    from sdgcities.cli._common import engine
    from sdgcities.learning import certificates
    from sdgcities.learning import service as svc
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        cert = svc.find_certificate(s, code)
        pdf = certificates.certificate_pdf(cert, base_url=_base_url(base_url))
    out.write_bytes(pdf)
    console.print(f"✓ wrote {out}", markup=False)


@app.command(
    "verify",
    epilog="""
Examples:

  sdgcities learning verify SDGL-QZ4B-PTA5-0XW9
  sdgcities learning verify sdgl-qz4b-pta5-0xw9 --json
""",
)
@handle_errors
def verify(
    code: str = typer.Argument(..., help="The certificate code (case and dashes do not matter)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What the public verification page says: holder, course, date, status."""
    from sdgcities.cli._common import engine
    from sdgcities.learning import service as svc
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        info = svc.verification(s, code)
    if as_json:
        console.print_json(json.dumps(info))
        return
    mark = "✓ valid" if info["status"] == "valid" else "✗ REVOKED"
    console.print(
        f"{mark} {info['code']}: {info['holder']} — {info['course']} ({info['issued_on']})",
        markup=False,
    )


@app.command(
    "badge",
    epilog="""
Examples:

  sdgcities learning badge SDGL-QZ4B-PTA5-0XW9 --out badge.json
""",
)
@handle_errors
def badge(
    code: str = typer.Argument(..., help="The certificate code."),
    out: Path = typer.Option(..., "--out", help="The JSON-LD file to write."),
    base_url: str | None = typer.Option(None, "--base-url", help="The issuer's site."),
) -> None:
    """Export a certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned)."""
    from sdgcities.cli._common import engine
    from sdgcities.learning import service as svc
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        cert = svc.find_certificate(s, code)
        data = svc.badge_of(s, cert, base_url=_base_url(base_url))
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(f"✓ wrote {out} (unsigned: no proof)", markup=False)


@app.command(
    "revoke",
    epilog="""
Example:

  sdgcities learning revoke SDGL-QZ4B-PTA5-0XW9 --reason "issued in error" --as admin@example.org
""",
)
@handle_errors
def revoke(
    code: str = typer.Argument(..., help="The certificate code."),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the certificate)."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """Revoke a certificate (admins); the verification page then says revoked."""
    from sdgcities.cli._common import engine
    from sdgcities.learning import service as svc
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        cert = svc.revoke(s, code, actor=_actor(s, as_), reason=reason)
        done = cert.code
    console.print(f"✓ revoked {done}", markup=False)


@app.command(
    "report",
    epilog="""
Examples:

  sdgcities learning report
  sdgcities learning report --course demo-sdg11-monitoring-basics --start 2026-01-01
  sdgcities learning report --json report.json
""",
)
@handle_errors
def report(
    course: str | None = typer.Option(None, "--course", help="Only this course."),
    start: str | None = typer.Option(None, "--start", help="First day, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Last day, YYYY-MM-DD."),
    min_cell: int = typer.Option(5, "--min-cell", min=1, help="Hide counts below this."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the report as JSON."),
) -> None:
    """Enrolments, completions and completion rate by sex, country, organisation type and
    country group (counts only; small cells hidden)."""
    from datetime import date

    from rich.table import Table

    from sdgcities.cli._common import engine
    from sdgcities.learning import reports
    from sdgcities.store.db import transaction

    def day(text: str | None, name: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise typer.BadParameter(f"{text!r} is not YYYY-MM-DD", param_hint=name) from None

    period = reports.Period(day(start, "--start"), day(end, "--end"))
    with transaction(engine()) as s:
        rep = reports.breakdown(s, course=course, period=period, min_cell=min_cell)
    if json_out is not None:
        json_out.write_text(json.dumps(rep, indent=2), encoding="utf-8")
        console.print(f"✓ wrote {json_out}", markup=False)
        return

    def n(v: object) -> str:
        return f"<{min_cell}" if v is None else str(v)

    table = Table("dimension", "group", "enrolments", "completions", "completion rate")
    for r in [rep["totals"], *rep["rows"]]:
        rate = "—" if r["completion_rate"] is None else f"{100 * r['completion_rate']:.1f} %"
        table.add_row(r["dimension"], r["group"], n(r["enrolments"]), n(r["completions"]), rate)
    console.print(table)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    root.add_typer(app, name="learning")
