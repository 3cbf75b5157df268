"""CLI: the capacity-building strategy (``sdgcities capacity …``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from sdgcities.cli._common import console, handle_errors

app = typer.Typer(
    help="Capacity building: the strategy's implementation plan.", no_args_is_help=True
)
plan_app = typer.Typer(help="The strategy's implementation plan 2021–2024.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")


@plan_app.command(
    "import",
    epilog="""
Examples:

  sdgcities capacity plan import HSP-EB.2021-17.txt     # the report's text
  sdgcities capacity plan import plan.xlsx              # or a spreadsheet of the same plan
""",
)
@handle_errors
def plan_import(
    file: Path = typer.Argument(
        ..., help="The report's text, or a CSV/XLSX with code, level, text …"
    ),
    user: str = typer.Option("", "--by", help="Who imports it (recorded)."),
) -> None:
    """Import the implementation plan: objectives, outcomes, outputs, actions, budget.

    What the text does not say (the Y1–Y4 cells lost in extraction) stays blank and is
    listed, never guessed. All-or-nothing.
    """
    from sdgcities.capacity.service import import_plan, plan_as_dict
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        plan = import_plan(s, file, user=user)
        data = plan_as_dict(s, plan.id)
    n_out = sum(len(o["outcomes"]) for o in data["objectives"])
    n_act = sum(len(oc["actions"]) for o in data["objectives"] for oc in o["outcomes"])
    console.print(
        f"✓ {escape(data['plan'])}: {len(data['objectives'])} objectives, {n_out} outcomes, "
        f"{n_act} actions, {len(data['budget'])} budget lines "
        f"(total {data['budget_total']:,.0f} USD)"
    )
    if data["not_read"]:
        console.print(f"[yellow]not in the text, left blank ({len(data['not_read'])}):[/]")
        for line in data["not_read"][:5]:
            console.print(f"  - {escape(line)}")
        if len(data["not_read"]) > 5:
            console.print(
                f"  … and {len(data['not_read']) - 5} more (`capacity plan show --json OUT`)"
            )
    for line in data["interpreted"]:
        console.print(f"  [dim]interpreted: {escape(line)}[/]")


@plan_app.command(
    "show",
    epilog="""
Examples:

  sdgcities capacity plan show
  sdgcities capacity plan show --json plan.json
""",
)
@handle_errors
def plan_show(
    json_out: Path | None = typer.Option(
        None, "--json", help="Write the plan as JSON to this file."
    ),
) -> None:
    """The plan: objectives → outcomes → actions with category, years, status, key activities."""
    from rich.table import Table

    from sdgcities.capacity.service import plan_as_dict
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        data = plan_as_dict(s)
    if json_out is not None:
        json_out.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"✓ wrote {json_out}", markup=False)
        return
    table = Table("code", "text", "category", "years", "status", show_lines=False)
    for obj in data["objectives"]:
        table.add_row(f"[bold]{obj['code']}[/]", f"[bold]{escape(obj['text'])}[/]", "", "", "")
        for oc in obj["outcomes"]:
            table.add_row(oc["code"], escape(oc["text"]), "", "", "")
            for a in oc["actions"]:
                years = ", ".join(f"Y{y}" for y in a["years"]) if a["years"] else "—"
                table.add_row(
                    f"  {a['code']}",
                    escape(a["text"][:120]),
                    a["category"] or "—",
                    years,
                    a["status"] or "",
                )
    console.print(table)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    root.add_typer(app, name="capacity")
