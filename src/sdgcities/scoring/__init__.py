"""Scoring engine of the SDSN city SDG index method (pure pandas / numpy, no database).

Public API::

    from sdgcities.scoring import BenchmarkSet, load_benchmarks_csv, score, score_files

    bench = load_benchmarks_csv("bench.csv")
    result = score(observations, bench)          # observations: city, indicator, year, value
    result.indicators, result.goals, result.index

Modules: :mod:`.benchmarks` (benchmark sets, validation, derived bounds),
:mod:`.normalise`, :mod:`.aggregate`, :mod:`.colours`, :mod:`.progress`,
:mod:`.scores` (:func:`score`), :mod:`.files` (:func:`score_files`).
"""

from __future__ import annotations

from sdgcities.scoring.aggregate import goal_scores, index_scores
from sdgcities.scoring.benchmarks import (
    BenchmarkSet,
    derive_bounds,
    load_benchmarks_csv,
    validate_benchmark_table,
)
from sdgcities.scoring.colours import dashboard_scale, goal_colours, indicator_colours
from sdgcities.scoring.files import read_observations_csv, score_files
from sdgcities.scoring.normalise import normalise
from sdgcities.scoring.progress import progress
from sdgcities.scoring.scores import Scores, score

__all__ = [
    "BenchmarkSet",
    "Scores",
    "dashboard_scale",
    "derive_bounds",
    "goal_colours",
    "goal_scores",
    "index_scores",
    "indicator_colours",
    "load_benchmarks_csv",
    "normalise",
    "progress",
    "read_observations_csv",
    "score",
    "score_files",
    "validate_benchmark_table",
]
