"""Store-backed assessment: benchmark sets, city scores, progress, peers and challenges.

The arithmetic lives in the pure engine :mod:`sdgcities.scoring`; the modules here read
the store, call the engine and explain the results:

* :mod:`~sdgcities.assessment.benchmarksets` — benchmark sets in the store, the default set;
* :mod:`~sdgcities.assessment.scores` — :func:`city_scores`;
* :mod:`~sdgcities.assessment.progress` — :func:`city_progress` against 2030 targets;
* :mod:`~sdgcities.assessment.peers` — peer groups of cities of the same type;
* :mod:`~sdgcities.assessment.challenges` — :func:`city_challenges`, ranked and explained.
"""

from __future__ import annotations
