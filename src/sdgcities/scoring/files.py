"""File contract: score an observations CSV against a benchmark CSV into SCORES.csv.

Used by ``sdgcities score --observations OBS.csv --benchmarks BENCH.csv --out SCORES.csv``.

* OBS: columns ``city, indicator, year, value`` (more columns are ignored); fields
  may be quoted (city names with commas: ``"Washington, D.C."``). The latest year
  per city × indicator is scored.
* BENCH: see :mod:`sdgcities.scoring.benchmarks`.
* SCORES: ``city, level, code, score, colour``; ``level`` is ``indicator``, ``goal`` or
  ``index``; a goal's ``code`` is BENCH's goal column, the index row's code is
  ``index``. A goal or index with no data has a blank score (never 0). Written with
  standard CSV quoting, UTF-8; an ``.xlsx`` name writes a real Excel workbook (sheet
  ``scores``, plus ``warnings`` when BENCH had any).
* BENCH rows whose colour thresholds are out of order or partly blank are scored (the
  scores depend on best and worst only) and left without colour, with a warning naming
  file, row and column; ``strict=True`` makes those warnings errors.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sdgcities.errors import Finding, InputFileError, ValidationError
from sdgcities.exports._cells import escape_frame
from sdgcities.scoring.aggregate import Aggregation
from sdgcities.scoring.benchmarks import load_benchmarks_csv
from sdgcities.scoring.progress import DEFAULT_PROGRESS_METHOD, ProgressMethod
from sdgcities.scoring.scores import OBSERVATION_COLUMNS, score

SCORES_COLUMNS: tuple[str, ...] = ("city", "level", "code", "score", "colour")


def read_observations_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate an observations CSV; all problems are reported at once."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(
            p, "observations file not found", "give the path of an existing CSV file"
        )
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            p, f"cannot read as CSV ({exc})", "save the file as UTF-8 CSV"
        ) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    file = str(p)
    findings: list[Finding] = []
    missing = [c for c in OBSERVATION_COLUMNS if c not in raw.columns]
    for c in missing:
        findings.append(
            Finding(
                f"required column {c!r} is missing",
                file=file,
                column=c,
                fix="columns must be city, indicator, year, value",
            )
        )
    if missing:
        raise ValidationError(f"{file}: observations have {len(findings)} problem(s)", findings)
    city = raw["city"].str.strip()
    indicator = raw["indicator"].str.strip()
    year = pd.to_numeric(raw["year"].str.strip(), errors="coerce")
    value_text = raw["value"].str.strip()
    value = pd.to_numeric(value_text, errors="coerce")
    rows = raw.index.to_numpy() + 2

    def report(mask: pd.Series, column: str, message: str, fix: str, shown: pd.Series) -> None:
        for r, v in zip(rows[mask.to_numpy()], shown[mask], strict=True):
            findings.append(
                Finding(message, file=file, row=int(r), column=column, value=str(v), fix=fix)
            )

    report(city == "", "city", "city is blank", "give the city name", raw["city"])
    report(
        indicator == "",
        "indicator",
        "indicator is blank",
        "give the indicator code",
        raw["indicator"],
    )
    yr_bad = year.isna() | (year.fillna(0) % 1 != 0)
    report(yr_bad, "year", "year is not a whole number", "write the year as e.g. 2020", raw["year"])
    report(
        value.isna() & (value_text != ""),
        "value",
        "value is not a number",
        "write a plain number with '.' as decimal mark, or leave blank for missing",
        raw["value"],
    )
    frame = pd.DataFrame({"city": city, "indicator": indicator, "year": year, "value": value})
    dup = frame.duplicated(["city", "indicator", "year"], keep="first") & ~yr_bad
    first_row = (
        frame.reset_index().groupby(["city", "indicator", "year"])["index"].transform("min") + 2
    )
    for r, fr in zip(rows[dup.to_numpy()], first_row[dup], strict=True):
        findings.append(
            Finding(
                f"duplicate city, indicator and year (first on row {int(fr)})",
                file=file,
                row=int(r),
                column="year",
                fix="keep one value per city, indicator and year",
            )
        )
    if findings:
        raise ValidationError(f"{file}: observations have {len(findings)} problem(s)", findings)
    frame["year"] = frame["year"].astype(int)
    return frame


def score_files(
    observations_path: str | Path,
    benchmarks_path: str | Path,
    out_path: str | Path,
    *,
    missing_threshold: float = 0.2,
    aggregation: Aggregation = "arithmetic",
    strict: bool = False,
    red_share_rule: bool = True,
    progress_method: ProgressMethod = DEFAULT_PROGRESS_METHOD,
) -> pd.DataFrame:
    """Score OBS against BENCH, write SCORES (``city, level, code, score, colour``), return it.

    The format follows ``out_path``'s suffix: ``.xlsx`` writes Excel, anything else CSV.
    The returned table's ``attrs["warnings"]`` lists BENCH's warnings
    (:class:`~sdgcities.errors.Finding`). Raises
    :class:`~sdgcities.errors.ValidationError` listing every finding (file, row, column)
    in either input, or :class:`~sdgcities.errors.InputFileError`; nothing is written then.
    """
    bench = load_benchmarks_csv(benchmarks_path, strict=strict)
    obs = read_observations_csv(observations_path)
    known = set(bench.indicators)
    unknown = sorted(set(obs["indicator"]) - known)
    if unknown and not (set(obs["indicator"]) & known):
        raise ValidationError(
            f"{observations_path}: no indicator matches the benchmark set",
            [
                Finding(
                    "indicator not in the benchmark file",
                    file=str(observations_path),
                    column="indicator",
                    value=u,
                    fix=f"use the indicator names of {benchmarks_path}",
                )
                for u in unknown[:20]
            ],
        )
    if not math.isfinite(missing_threshold):
        raise ValueError("missing_threshold must be a number between 0 and 1")
    result = score(
        obs,
        bench,
        missing_threshold=missing_threshold,
        aggregation=aggregation,
        red_share_rule=red_share_rule,
        progress_method=progress_method,
    )
    table = result.to_long().loc[:, list(SCORES_COLUMNS)].reset_index(drop=True)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if out.suffix.lower() == ".xlsx":
        warn = pd.DataFrame([w.as_dict() for w in bench.warnings])
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            escape_frame(table).to_excel(writer, sheet_name="scores", index=False)
            if len(warn):
                escape_frame(warn).to_excel(writer, sheet_name="warnings", index=False)
    else:
        escape_frame(table).to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(out)  # never a half-written SCORES file
    table.attrs["warnings"] = list(bench.warnings)
    return table
