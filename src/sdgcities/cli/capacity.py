"""CLI: the capacity-building strategy (``sdgcities capacity …``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from sdgcities.cli._common import console, handle_errors

app = typer.Typer(
    help="Capacity building: the strategy's implementation plan, the catalogue, needs and matches.",
    no_args_is_help=True,
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


need_app = typer.Typer(
    help="Capacity needs (UNDP capacity-assessment method) and their matches.", no_args_is_help=True
)
catalogue_app = typer.Typer(
    help="The catalogue of services, tools and courses.", no_args_is_help=True
)
app.add_typer(need_app, name="need")
app.add_typer(catalogue_app, name="catalogue")


@need_app.command(
    "from-indicator",
    epilog="""
Example:

  sdgcities capacity need from-indicator "Nairobi" 11.2.1 --desired 4 --existing 2
""",
)
@handle_errors
def need_from_indicator(
    city: str = typer.Argument(..., help="The city (name, slug or id)."),
    indicator: str = typer.Argument(
        ..., help="The red indicator or greatest challenge, e.g. 11.2.1."
    ),
    desired: int = typer.Option(4, "--desired", min=1, max=5, help="Desired capacity, 1–5."),
    existing: int = typer.Option(2, "--existing", min=1, max=5, help="Existing capacity, 1–5."),
    level: str = typer.Option(
        "organisation", "--level", help="enabling_environment, organisation or individual."
    ),
    language: str = typer.Option("en", "--language", help="The language training must be in."),
) -> None:
    """Open a capacity need from an indicator of the city; the link is kept."""
    from sdgcities.capacity.needs import open_need_from_indicator
    from sdgcities.cities.service import get_city
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        c = get_city(s, city)
        need = open_need_from_indicator(
            s,
            city_id=c.id,
            indicator_code=indicator,
            desired=desired,
            existing=existing,
            level=level,
            language=language,
        )
        console.print(
            f"✓ need {need.id} for {escape(c.name)}: themes {', '.join(need.themes)}, "
            f"gap {need.desired - need.existing}"
        )


@need_app.command(
    "match",
    epilog="""
Example:

  sdgcities capacity need match 12 --top 5
""",
)
@handle_errors
def need_match(
    need_id: int = typer.Argument(..., min=1, max=2**62, help="The need's number."),
    top: int = typer.Option(5, "--top", min=1, max=50, help="How many offers to show."),
) -> None:
    """The best offers for a need, with every factor of the score."""
    from rich.table import Table

    from sdgcities.capacity.models import CapacityNeed
    from sdgcities.capacity.needs import propose_matches
    from sdgcities.cli._common import engine
    from sdgcities.errors import NotFoundError
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        need = s.get(CapacityNeed, need_id)
        if need is None:
            raise NotFoundError(f"no capacity need {need_id}")
        offers = propose_matches(s, [need], top=top)[need.id]
    table = Table("offer", "name", "score", "themes", "language", "region", "level", "available")
    for o in offers:
        f = o["factors"]
        table.add_row(
            f"{o['offer_type']} {o['offer_id']}",
            escape(o["name"]),
            f"{o['score']:.3f}",
            f"{f['themes']:.2f}",
            f"{f['language']:.0f}",
            f"{f['region']:.0f}",
            f"{f['level']:.2f}",
            f"{f['availability']:.0f}",
        )
    console.print(table if offers else "no eligible offer (none shares a theme with the need)")


@need_app.command("decide")
@handle_errors
def need_decide(
    need_id: int = typer.Argument(..., min=1, max=2**62, help="The need's number."),
    offer: str = typer.Argument(
        ..., help="The offer as shown by `need match`, e.g. entry:3 or provider:7."
    ),
    decision: str = typer.Argument(..., help="confirmed or rejected."),
    by: str = typer.Option(..., "--by", help="The advisor who decides (recorded)."),
    note: str = typer.Option("", "--note", help="Why."),
) -> None:
    """Confirm or reject a matched offer; the decision, score and factors are kept."""
    from sdgcities.capacity.models import CapacityNeed
    from sdgcities.capacity.needs import decide
    from sdgcities.cli._common import engine
    from sdgcities.errors import NotFoundError, ValidationError
    from sdgcities.store.db import transaction

    kind, _, num = offer.partition(":")
    if kind not in ("entry", "provider") or not num.isdigit():
        raise ValidationError(f"offer {offer!r} is not entry:N or provider:N")
    with transaction(engine()) as s:
        need = s.get(CapacityNeed, need_id)
        if need is None:
            raise NotFoundError(f"no capacity need {need_id}")
        d = decide(s, need, offer_type=kind, offer_id=int(num), decision=decision, by=by, note=note)
    console.print(f"✓ {d.decision}: {kind} {num} for need {need_id} (score {d.score:.3f})")


@catalogue_app.command("list")
@handle_errors
def catalogue_list(
    theme: str | None = typer.Option(None, "--theme", help="Only entries of this theme."),
    language: str | None = typer.Option(None, "--language", help="Only entries available in it."),
    search: str | None = typer.Option(None, "--search", help="Words in the title or summary."),
) -> None:
    """The published catalogue, with facet counts."""
    from rich.table import Table

    from sdgcities.capacity.needs import search_entries
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        rows, facets = search_entries(s, text=search, theme=theme, language=language)
        table = Table("entry", "kind", "title", "themes", "languages", "format", "status")
        for r in rows:
            langs = ", ".join(k for k, v in r.languages.items() if v == "available")
            table.add_row(
                r.slug, r.kind, escape(r.title), ", ".join(r.themes), langs, r.format, r.status
            )
    console.print(table)
    console.print(
        "kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(facets["kind"].items())), markup=False
    )


def register(root: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    from sdgcities.cli import _capacity_partners

    _capacity_partners.register(app)
    root.add_typer(app, name="capacity")
