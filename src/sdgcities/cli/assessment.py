"""CLI: ``sdgcities assessment`` — institutional and digital-capacity questionnaires."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, handle_errors

assessment_app = typer.Typer(
    help="Institutional and digital-capacity assessments: questionnaires, answers, profiles.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

AS_HELP = "E-mail of the account acting (its role decides what it may do)."
Q_HELP = "Questionnaire id: institutional or digital."


@assessment_app.command("list")
@handle_errors
def list_cmd() -> None:
    """List the questionnaires, their versions, areas and number of questions.

    Example:

      sdgcities assessment list
    """
    from sdgcities.institutions.questionnaire import builtins

    table = Table(header_style="bold")
    for col in ("id", "version", "title", "areas", "questions", "gap below"):
        table.add_column(col)
    for q in builtins():
        table.add_row(
            q.id,
            q.version,
            q.title,
            ", ".join(a.title for a in q.areas),
            str(len(q.questions)),
            f"{q.gap_threshold:g}",
        )
    console.print(table)


@assessment_app.command("show")
@handle_errors
def show_cmd(questionnaire: str = typer.Argument(..., help=Q_HELP)) -> None:
    """Show a questionnaire's questions, scales and the evidence asked.

    Example:

      sdgcities assessment show institutional
    """
    from sdgcities.institutions.questionnaire import builtin

    q = builtin(questionnaire)
    console.print(f"[bold]{q.title}[/] ({q.id} {q.version}) — scale {q.scale.allowed()}")
    for k, v in q.scale.levels.items():
        console.print(f"  {k} {v}")
    for a in q.areas:
        console.print(f"\n[bold]{a.title}[/]")
        for qq in a.questions:
            console.print(f"  [cyan]{qq.id}[/] (weight {qq.weight:g}) {qq.text}")
            console.print(f"      evidence: {qq.evidence}")


@assessment_app.command("answer")
@handle_errors
def answer_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    file: Path = typer.Argument(
        ..., help="CSV: question, value, evidence, evidence_url, document."
    ),
    questionnaire: str = typer.Option("institutional", "--questionnaire", "-q", help=Q_HELP),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    open_needs: bool = typer.Option(
        False, "--open-needs", help="Open a capacity need for each question below the threshold."
    ),
) -> None:
    """Record a city's answers from a CSV, all or nothing (a value outside its scale fails).

    Examples:

      sdgcities assessment answer kisumu-ken answers.csv --as lab@kisumu.go.ke

      sdgcities assessment answer kisumu-ken digital.csv -q digital \
        --as lab@kisumu.go.ke --open-needs
    """
    from sdgcities.cli.review import actor
    from sdgcities.institutions import service as svc
    from sdgcities.store.db import transaction

    answers = svc.read_answers_csv(file)
    with transaction(engine()) as s:
        user = actor(s, as_)
        rows = svc.answer(s, city, questionnaire, answers, user, file=file.name)
        n = len(rows)
        opened = svc.open_needs_from_gaps(s, city, questionnaire, user) if open_needs else []
        ids = [x.id for x in opened]
    console.print(f"[green]✓[/] {file.name}: {n} answer(s) recorded")
    if open_needs:
        console.print(f"{len(ids)} capacity need(s) opened: {', '.join(map(str, ids)) or '—'}")


@assessment_app.command("profile")
@handle_errors
def profile_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    questionnaire: str = typer.Option("institutional", "--questionnaire", "-q", help=Q_HELP),
    json_out: Path | None = typer.Option(None, "--json", help="Write the profile as JSON here."),
) -> None:
    """A city's profile: score per area (0–100, answered questions only) and its gaps.

    Examples:

      sdgcities assessment profile kisumu-ken

      sdgcities assessment profile kisumu-ken -q digital --json digital.json
    """
    from sdgcities.institutions.service import city_profile
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        cp = city_profile(s, city, questionnaire)
        data = cp.as_dict()
    table = Table(title=f"{data['title']} — {data['city']}", header_style="bold")
    for col in ("area", "score", "answered", "unanswered"):
        table.add_column(col)
    for a in data["areas"]:
        table.add_row(
            a["title"],
            "—" if a["score"] is None else f"{a['score']:.0f}",
            f"{a['answered']}/{a['questions']}",
            ", ".join(a["unanswered"]),
        )
    console.print(table)
    gaps = [g for g in data["gaps"] if g["kind"] == "question"]
    console.print(
        f"{len(gaps)} question(s) below {data['gap_threshold']:g}: "
        + ", ".join(g["question"] for g in gaps)
    )
    if json_out is not None:
        tmp = json_out.with_name(json_out.name + ".part")
        tmp.write_text(
            json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n", "utf-8"
        )
        tmp.replace(json_out)
        console.print(f"[green]✓[/] wrote {json_out}")


def register(app: typer.Typer) -> None:
    """Add ``assessment`` to the main app."""
    app.add_typer(assessment_app, name="assessment")
