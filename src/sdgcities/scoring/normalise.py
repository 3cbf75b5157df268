"""Normalisation of indicator values to a 0–100 score.

SDSN city SDG indices (e.g. Spanish Cities SDG Index 2018, US Cities SDG Index):
``score = clip(100·(x − worst)/(best − worst), 0, 100)``. The same formula is right
for lower-is-better indicators, where ``best < worst``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike


def normalise(values: ArrayLike, *, best: ArrayLike, worst: ArrayLike) -> npt.NDArray[np.float64]:
    """Rescale ``values`` linearly so ``worst`` → 0 and ``best`` → 100, censored to [0, 100].

    Broadcasts (e.g. a cities × indicators matrix against per-indicator bounds). NaN
    values stay NaN; where ``best == worst`` or a bound is NaN the score is NaN.

    >>> normalise([5.0, 10.0, 20.0], best=15.0, worst=5.0).tolist()
    [0.0, 50.0, 100.0]
    >>> normalise([2.0], best=0.0, worst=10.0).tolist()  # lower is better
    [80.0]
    """
    x = np.asarray(values, dtype=float)
    b = np.asarray(best, dtype=float)
    w = np.asarray(worst, dtype=float)
    span = b - w
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = 100.0 * (x - w) / np.where(span == 0, np.nan, span)
    return np.asarray(np.clip(raw, 0.0, 100.0), dtype=np.float64)
