"""CLI: ``sdgcities score``, ``progress``, ``challenges`` and ``benchmarks``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from sdgcities.cli._common import console, engine, err_console, handle_errors

if TYPE_CHECKING:
    from sdgcities.errors import Finding
    from sdgcities.scoring.scores import Scores

STYLES = {
    "green": "bold green",
    "yellow": "bold yellow",
    "orange": "bold dark_orange",
    "red": "bold red",
    "grey": "dim",
}

benchmarks_app = typer.Typer(help="Benchmark sets (bounds and colour thresholds) in the store.")


def _dot(colour: object) -> str:
    c = str(colour or "grey")
    return f"[{STYLES.get(c, 'dim')}]● {c}[/]"


def _num(v: object, fmt: str = "{:.4g}") -> str:
    if v is None:
        return "—"
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    return "—" if math.isnan(x) else fmt.format(x)


def _score_cell(score: object, colour: object) -> str:
    c = str(colour or "grey")
    return f"[{STYLES.get(c, 'dim')}]{_num(score, '{:.1f}')}[/]"


def _warn(findings: Iterable[Finding]) -> None:
    """Benchmark warnings on stderr, one line each (file, row, column, what, fix)."""
    for f in findings:
        err_console.print(f"[yellow]warning:[/] {escape(str(f))}")


def _method(progress_method: str | None) -> str | None:
    if progress_method is None:
        return None
    from sdgcities.scoring.progress import PROGRESS_METHODS

    if progress_method not in PROGRESS_METHODS:
        raise typer.BadParameter(
            f"--progress-method must be one of {', '.join(PROGRESS_METHODS)}, "
            f"not {progress_method!r}"
        )
    return progress_method


def _values_note(include_drafts: bool) -> str:
    if include_drafts:
        return "values: current versions, drafts included (--include-drafts)"
    return "values: published only (add --include-drafts to see drafts)"


INCLUDE_DRAFTS_HELP = "Store mode: use draft values too (default: published values only)."
RED_SHARE_HELP = "a goal is red when more than a third of its indicators are red."
PROGRESS_METHOD_HELP = (
    "Progress method: cagr-ratio (observed/required compound growth, Eurostat) or "
    "sdr-trend (SDSN Sustainable Development Report linear trend). Store mode "
    "default: the benchmark set's."
)


def score(
    observations: Path | None = typer.Option(
        None, "--observations", help="File mode: observations CSV (city, indicator, year, value)."
    ),
    benchmarks: Path | None = typer.Option(
        None, "--benchmarks", help="File mode: benchmark CSV (see `sdgcities benchmarks --help`)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output SCORES file; .xlsx writes Excel, any other name CSV."
    ),
    city: list[str] = typer.Option(
        [], "--city", help="Store mode: a city (name, slug or id); repeat for several."
    ),
    all_cities: bool = typer.Option(False, "--all", help="Store mode: every city with data."),
    benchmark_set: str | None = typer.Option(
        None, "--benchmark-set", help="Store mode: benchmark set name (default sdg11-default)."
    ),
    include_drafts: bool = typer.Option(False, "--include-drafts", help=INCLUDE_DRAFTS_HELP),
    published_only: bool = typer.Option(
        False, "--published-only", hidden=True, help="The default now; kept for old scripts."
    ),
    missing_threshold: float = typer.Option(
        0.2, "--missing-threshold", help="File mode: share of missing indicators allowed."
    ),
    aggregation: str = typer.Option(
        "arithmetic", "--aggregation", help="File mode: arithmetic or geometric."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="File mode: benchmark warnings become errors (exit 1)."
    ),
    red_share_rule: bool = typer.Option(
        True,
        "--red-share-rule/--no-red-share-rule",
        help="File mode: " + RED_SHARE_HELP,
    ),
    progress_method: str | None = typer.Option(
        None, "--progress-method", help=PROGRESS_METHOD_HELP
    ),
) -> None:
    """Score cities (SDSN city-index method): from files, or from the store with colours.

    File mode needs no store: --observations OBS.csv --benchmarks BENCH.csv --out SCORES.csv.
    Store mode: --city NAME (repeatable) or --all, optionally --benchmark-set NAME; it
    uses published values unless --include-drafts is given.

    Examples:

      sdgcities score --observations obs.csv --benchmarks bench.csv --out scores.xlsx

      sdgcities score --observations obs.csv --benchmarks es.csv --out s.csv --no-red-share-rule

      sdgcities score --city Nairobi --progress-method sdr-trend --out nairobi.xlsx

      sdgcities score --all --benchmark-set sdg11-default --include-drafts
    """
    method = _method(progress_method)
    file_mode = observations is not None or benchmarks is not None
    if file_mode:
        if observations is None or benchmarks is None or out is None:
            raise typer.BadParameter(
                "file mode needs --observations, --benchmarks and --out together"
            )
        if city or all_cities:
            raise typer.BadParameter("use either file mode or --city/--all, not both")
        if aggregation not in ("arithmetic", "geometric"):
            raise typer.BadParameter("--aggregation must be arithmetic or geometric")
        _score_files(
            observations,
            benchmarks,
            out,
            missing_threshold=missing_threshold,
            aggregation=aggregation,
            strict=strict,
            red_share_rule=red_share_rule,
            progress_method=method,
        )
        return
    if not city and not all_cities:
        raise typer.BadParameter(
            "give --city NAME (repeatable) or --all, or file mode --observations/--benchmarks/--out"
        )
    if include_drafts and published_only:
        raise typer.BadParameter("--include-drafts and --published-only contradict each other")
    _score_store(city, all_cities, benchmark_set, include_drafts, out, method)


@handle_errors
def _score_files(
    observations: Path,
    benchmarks: Path,
    out: Path,
    *,
    missing_threshold: float,
    aggregation: str,
    strict: bool,
    red_share_rule: bool,
    progress_method: str | None,
) -> None:
    from sdgcities.scoring import score_files
    from sdgcities.scoring.progress import check_progress_method

    table = score_files(
        observations,
        benchmarks,
        out,
        missing_threshold=missing_threshold,
        aggregation="geometric" if aggregation == "geometric" else "arithmetic",
        strict=strict,
        red_share_rule=red_share_rule,
        progress_method=check_progress_method(progress_method or "cagr-ratio"),
    )
    _warn(table.attrs.get("warnings", []))
    index = table[table["level"] == "index"]
    console.print(
        f"[green]✓[/] scored {len(index)} cities → {out} "
        f"({len(table)} rows: indicator, goal, index)"
    )


@handle_errors
def _score_store(
    city: list[str],
    all_cities: bool,
    benchmark_set: str | None,
    include_drafts: bool,
    out: Path | None,
    progress_method: str | None,
) -> None:
    from sdgcities.assessment import _store
    from sdgcities.assessment.scores import city_scores
    from sdgcities.exports.tabular import export_scores
    from sdgcities.store.db import transaction

    drafts = None if include_drafts else ()
    with transaction(engine()) as session:
        ids = None if all_cities else [_store.get_city(session, c).id for c in city]
        result = city_scores(
            session,
            ids,
            benchmark_set=benchmark_set,
            draft_cities=drafts,
            progress_method=progress_method,
        )
        if out is not None:
            export_scores(
                session,
                out,
                city_ids=ids,
                benchmark_set=benchmark_set,
                published_only=not include_drafts,
            )
            err_console.print(f"[green]✓[/] wrote scores to {out}")
    _warn(result.benchmarks.warnings)
    if result.benchmarks.table.empty:
        err_console.print(
            f"[yellow]benchmark set {result.benchmarks.name!r} has no rows: nothing to score; "
            "load one with a row per indicator (`sdgcities benchmarks load NAME FILE --replace`)[/]"
        )
        return
    if result.index.empty:
        err_console.print("[yellow]no observations of the set's indicators for these cities[/]")
        return
    if all_cities or len(result.index) > 3:
        console.print(_overview_table(result, include_drafts))
    else:
        for cid in result.index["city_id"]:
            console.print(_city_table(result, int(cid), include_drafts))
    _print_derivations(result)


def _overview_table(result: Scores, include_drafts: bool) -> Table:
    goals = list(dict.fromkeys(result.goals["goal"].astype(str)))
    table = Table(
        title=f"Scores — benchmark set {result.parameters.get('benchmark_set')}",
        caption=_values_note(include_drafts),
    )
    table.add_column("city")
    table.add_column("index", justify="right")
    for g in goals:
        table.add_column(f"goal {g}", justify="right")
    table.add_column("note")
    by_city = result.goals.groupby("city_id")
    for rec in result.index.sort_values("score", ascending=False, na_position="last").to_dict(
        "records"
    ):
        mine = by_city.get_group(rec["city_id"]).set_index("goal")
        cells = [_score_cell(mine.at[x, "score"], mine.at[x, "colour"]) for x in goals]
        table.add_row(str(rec["city"]), _num(rec["score"], "{:.1f}"), *cells, str(rec["reason"]))
    return table


def _city_table(result: Scores, city_id: int, include_drafts: bool) -> Table:
    ind = result.indicators[result.indicators["city_id"] == city_id]
    idx = result.index[result.index["city_id"] == city_id].iloc[0]
    goals = result.goals[result.goals["city_id"] == city_id]
    goal_text = ", ".join(
        f"goal {g}: {_score_cell(s, c)}"
        for g, s, c in zip(goals["goal"], goals["score"], goals["colour"], strict=True)
    )
    title = f"{idx['city']} — index {_num(idx['score'], '{:.1f}')}"
    if idx["reason"]:
        title += f" ({idx['reason']})"
    table = Table(
        title=title,
        caption=f'{goal_text}\n2030 target "default": the city set none, so the benchmark\'s '
        "green threshold (or best bound) is used; progress method "
        f"{result.parameters.get('progress_method')}\n{_values_note(include_drafts)}",
    )
    for col in ("indicator", "goal", "year", "value", "score", "colour", "2030 target", "progress"):
        table.add_column(
            col,
            justify="right" if col in ("year", "value", "score") else "left",
            overflow="fold",
        )
    for rec in ind.to_dict("records"):
        table.add_row(
            str(rec["indicator"]),
            str(rec["goal"]),
            _num(rec["year"], "{:.0f}"),
            _num(rec["value"]),
            _score_cell(rec["score"], rec["colour"]),
            _dot(rec["colour"]),
            f"{_num(rec['target_value'])} ({_short_source(str(rec['target_source']))})",
            str(rec["progress"] or rec["progress_method"] or ""),
        )
    return table


def _short_source(label: str) -> str:
    if label.startswith("city target"):
        return "city"
    return "default"


def _print_derivations(result: Scores) -> None:
    bench = result.benchmarks.table
    for rec in bench[bench["derived"]].to_dict("records"):
        err_console.print(
            f"[dim]bounds of {rec['indicator']} derived from the data: {rec['derivation']}[/]"
        )


@handle_errors
def progress(
    city: str = typer.Argument(..., help="City name, slug or id."),
    benchmark_set: str | None = typer.Option(None, "--benchmark-set", help="Set name."),
    include_drafts: bool = typer.Option(False, "--include-drafts", help=INCLUDE_DRAFTS_HELP),
    progress_method: str | None = typer.Option(
        None, "--progress-method", help=PROGRESS_METHOD_HELP
    ),
    published_only: bool = typer.Option(False, "--published-only", hidden=True),
) -> None:
    """Progress of a city towards its 2030 targets (published values unless --include-drafts).

    The target: the city's own, else the benchmark's green threshold, else its best
    bound (the same rule as file mode).

    Examples:

      sdgcities progress Nairobi

      sdgcities progress Nairobi --progress-method sdr-trend --include-drafts
    """
    from sdgcities.assessment import _store
    from sdgcities.assessment.progress import city_progress
    from sdgcities.store.db import transaction

    method = _method(progress_method)
    with transaction(engine()) as session:
        c = _store.get_city(session, city)
        frame = city_progress(
            session,
            c.id,
            benchmark_set=benchmark_set,
            draft_cities=None if include_drafts else (),
            progress_method=method,
        )
        name = c.name
    table = Table(
        title=f"{name} — progress towards 2030 targets", caption=_values_note(include_drafts)
    )
    for col in ("indicator", "baseline", "latest", "2030 target", "target from", "progress"):
        table.add_column(col)
    for rec in frame.to_dict("records"):
        table.add_row(
            f"{rec['indicator']} {rec['name']}".strip(),
            f"{_num(rec['baseline_value'])} ({_num(rec['baseline_year'], '{:.0f}')})",
            f"{_num(rec['value'])} ({_num(rec['year'], '{:.0f}')})",
            _num(rec["target"]),
            str(rec["target_source"]),
            str(rec["progress"] or rec["progress_method"]),
        )
    console.print(table)


@handle_errors
def challenges(
    city: str = typer.Argument(..., help="City name, slug or id."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="How many challenges to show."),
    benchmark_set: str | None = typer.Option(None, "--benchmark-set", help="Set name."),
    include_drafts: bool = typer.Option(False, "--include-drafts", help=INCLUDE_DRAFTS_HELP),
    published_only: bool = typer.Option(False, "--published-only", hidden=True),
) -> None:
    """A city's greatest challenges, ranked, with one explanation line each.

    Indicators that reached their target (rated green, "SDG achieved") are not
    challenges; when every scored indicator has, the command says so. Uses published
    values unless --include-drafts is given (the same rule as exports).

    Examples:

      sdgcities challenges Nairobi -n 5

      sdgcities challenges Nairobi --include-drafts
    """
    from sdgcities.assessment.challenges import HAS_CHALLENGES, NOT_SCORED, challenge_summary
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        summary = challenge_summary(
            session,
            city,
            limit=limit,
            benchmark_set=benchmark_set,
            draft_cities=None if include_drafts else (),
        )
    name, found = summary.city, summary.challenges
    if summary.status == NOT_SCORED:
        err_console.print(f"[yellow]{summary.message} Import observations first.[/]")
        return
    if summary.status != HAS_CHALLENGES:  # every scored indicator achieved
        console.print(f"[green]{summary.message}[/]")
        return
    table = Table(
        title=f"{name} — greatest challenges",
        caption=f"peer group: {found[0].peer_group}. Priority = (100 − score) + 20·red "
        "+ 15·deteriorating + 0.5·max(0, peer median score − score)\n"
        + _values_note(include_drafts),
        show_lines=True,
    )
    for col in (
        "#",
        "indicator",
        "value",
        "target",
        "peer median",
        "trend",
        "score",
        "source",
        "why",
    ):
        table.add_column(col, overflow="fold")
    for ch in found:
        unit = f" {ch.unit}" if ch.unit else ""
        table.add_row(
            str(ch.rank),
            f"{ch.indicator} {ch.name}".strip(),
            f"{_num(ch.value)}{unit} ({ch.year})",
            _num(ch.target),
            _num(ch.peer_median),
            ch.trend,
            _score_cell(ch.score, ch.colour),
            ch.source or "—",
            ch.explanation,
        )
    console.print(table)


@benchmarks_app.command("list")
@handle_errors
def benchmarks_list() -> None:
    """Benchmark sets in the store and built in, with their parameters.

    Example:

      sdgcities benchmarks list
    """
    from sdgcities.assessment.benchmarksets import builtin_benchmark_sets, list_benchmark_sets
    from sdgcities.store.db import transaction

    table = Table(title="Benchmark sets")
    cols = ("name", "indicators", "aggregation", "missing threshold", "red-share rule",
            "progress method", "version", "description")  # fmt: skip
    for col in cols:
        table.add_column(col, overflow="fold")
    with transaction(engine()) as session:
        stored = list_benchmark_sets(session)
        names = {s.name for s in stored}
        for s in stored:
            table.add_row(
                s.name,
                str(len(s.rows)),
                s.aggregation,
                f"{s.missing_threshold:.0%}",
                "on" if s.red_share_rule else "off",
                s.progress_method,
                str(s.version),
                s.description,
            )
    for name in builtin_benchmark_sets():
        if name not in names:
            table.add_row(
                name, "", "arithmetic", "20%", "on", "cagr-ratio", "", "built in (on first use)"
            )
    console.print(table)


@benchmarks_app.command("show")
@handle_errors
def benchmarks_show(name: str = typer.Argument("sdg11-default")) -> None:
    """The rows of a benchmark set (blank bounds are derived from the data when scoring).

    Example:

      sdgcities benchmarks show sdg11-default
    """
    from sdgcities.assessment.benchmarksets import benchmark_table, get_benchmark_set
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        frame = benchmark_table(get_benchmark_set(session, name))
    table = Table(title=f"Benchmark set {name}")
    cols = ("indicator", "goal", "best", "worst", "green", "yellow", "orange", "weight", "target")
    for col in cols:
        table.add_column(col)
    for rec in frame.to_dict("records"):
        table.add_row(
            *[_num(rec[c]) if c not in ("indicator", "goal") else str(rec[c]) for c in cols]
        )
    console.print(table)


@benchmarks_app.command("load")
@handle_errors
def benchmarks_load(
    name: str = typer.Argument(..., help="Name of the new set."),
    path: Path = typer.Argument(..., help="Benchmark CSV."),
    description: str = typer.Option("", "--description", help="What the set is, its source."),
    aggregation: str = typer.Option("arithmetic", "--aggregation", help="arithmetic/geometric."),
    missing_threshold: float = typer.Option(
        0.2, "--missing-threshold", help="Share of missing indicators allowed for an index."
    ),
    replace: bool = typer.Option(False, "--replace", help="Replace a set of the same name."),
    strict: bool = typer.Option(
        False, "--strict", help="Warnings (thresholds out of order or blank) become errors."
    ),
    red_share_rule: bool = typer.Option(
        True,
        "--red-share-rule/--no-red-share-rule",
        help=RED_SHARE_HELP[0].upper() + RED_SHARE_HELP[1:],
    ),
    progress_method: str = typer.Option(
        "cagr-ratio", "--progress-method", help="cagr-ratio or sdr-trend."
    ),
) -> None:
    """Validate a benchmark CSV and store it as a named set (its scores are refreshed).

    Rows whose colour thresholds are out of order or partly blank are stored as
    published and left without colour, with a warning naming file, row and column.

    Examples:

      sdgcities benchmarks load es-2018 es_cities_2018.csv --no-red-share-rule

      sdgcities benchmarks load mine bench.csv --strict --replace
    """
    from sdgcities.assessment.benchmarksets import load_benchmark_set, to_engine_set
    from sdgcities.store.db import transaction

    method = _method(progress_method) or "cagr-ratio"
    with transaction(engine()) as session:
        bset = load_benchmark_set(
            session,
            name,
            path,
            description=description,
            aggregation=aggregation,
            missing_threshold=missing_threshold,
            replace=replace,
            strict=strict,
            red_share_rule=red_share_rule,
            progress_method=method,
        )
        n = len(bset.rows)
        _warn(replace_file(to_engine_set(bset).warnings, str(path)))
    console.print(f"[green]✓[/] stored benchmark set {name!r} with {n} indicators")


def replace_file(findings: Iterable[Finding], file: str) -> list[Finding]:
    """The findings with ``file`` filled in (sets read back from the store have none)."""
    from dataclasses import replace

    return [f if f.file else replace(f, file=file) for f in findings]


@benchmarks_app.command("set")
@handle_errors
def benchmarks_set(
    name: str = typer.Argument(..., help="Name of a stored set."),
    red_share_rule: bool | None = typer.Option(
        None,
        "--red-share-rule/--no-red-share-rule",
        help=RED_SHARE_HELP[0].upper() + RED_SHARE_HELP[1:],
    ),
    progress_method: str | None = typer.Option(
        None, "--progress-method", help="cagr-ratio or sdr-trend."
    ),
    missing_threshold: float | None = typer.Option(
        None, "--missing-threshold", help="Share of missing indicators allowed for an index."
    ),
    aggregation: str | None = typer.Option(None, "--aggregation", help="arithmetic or geometric."),
) -> None:
    """Change a stored set's parameters; its stored scores are refreshed at once.

    Examples:

      sdgcities benchmarks set es-2018 --no-red-share-rule

      sdgcities benchmarks set sdg11-default --progress-method sdr-trend
    """
    from sdgcities.assessment.benchmarksets import update_benchmark_set
    from sdgcities.store.db import transaction

    method = _method(progress_method)
    with transaction(engine()) as session:
        bset = update_benchmark_set(
            session,
            name,
            red_share_rule=red_share_rule,
            progress_method=method,
            missing_threshold=missing_threshold,
            aggregation=aggregation,
        )
        text = (
            f"red-share rule {'on' if bset.red_share_rule else 'off'}, progress method "
            f"{bset.progress_method}, missing threshold {bset.missing_threshold:.0%}, "
            f"aggregation {bset.aggregation}, version {bset.version}"
        )
    console.print(f"[green]✓[/] benchmark set {name!r}: {text}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("score")(score)
    app.command("progress")(progress)
    app.command("challenges")(challenges)
    app.add_typer(benchmarks_app, name="benchmarks")
