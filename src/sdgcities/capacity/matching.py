"""Matching capacity needs to offers (catalogue entries, trainers, institutions).

A match is first **eligible** — the offer covers at least one of the need's themes —
and then **scored** as a weighted sum of factors, each between 0 and 1, every one of
them kept so an advisor sees why an offer ranks where it does:

==============  ======  =================================================================
factor          weight  value
==============  ======  =================================================================
themes          0.45    share of the need's themes the offer covers, ``|N ∩ O| / |N|``
language        0.20    1 when the offer is available in the need's language, else 0
region          0.15    1 when the offer serves the need's region (or every region)
level           0.10    ``1 − |level_need − level_offer| / 2`` (1 introductory … 3 advanced)
availability    0.10    1 when the offer can be taken up now, else 0
==============  ======  =================================================================

``score = Σ weightᵢ · factorᵢ`` (0–1). The weights are parameters (:data:`WEIGHTS`);
the result records the ones used. The computation is vectorised with bit masks over
the vocabularies (themes, languages, regions), so 10,000 needs against 5,000 offers
take a few seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FACTORS", "WEIGHTS", "Match", "Vocabulary", "match"]

WEIGHTS: dict[str, float] = {
    "themes": 0.45,
    "language": 0.20,
    "region": 0.15,
    "level": 0.10,
    "availability": 0.10,
}
FACTORS = tuple(WEIGHTS)


class Vocabulary:
    """Terms → bit positions (at most 64 terms per vocabulary)."""

    def __init__(self, terms: Sequence[str]) -> None:
        uniq = list(dict.fromkeys(terms))
        if len(uniq) > 64:
            raise ValueError(f"a vocabulary holds at most 64 terms, not {len(uniq)}")
        self.bit = {t: np.uint64(1) << np.uint64(i) for i, t in enumerate(uniq)}

    def mask(self, terms: Sequence[str] | None) -> np.uint64:
        out = np.uint64(0)
        for t in terms or ():
            out |= self.bit.get(t, np.uint64(0))
        return out

    def masks(self, rows: Sequence[Sequence[str] | None]) -> npt.NDArray[np.uint64]:
        return np.array([self.mask(r) for r in rows], dtype=np.uint64)


@dataclass(frozen=True)
class Match:
    """One offer proposed for a need, with the factors behind its score."""

    need: int
    offer: int
    score: float
    factors: Mapping[str, float]


def match(
    *,
    need_themes: npt.NDArray[np.uint64],
    need_language: npt.NDArray[np.uint64],
    need_region: npt.NDArray[np.uint64],
    need_level: npt.NDArray[np.float64],
    offer_themes: npt.NDArray[np.uint64],
    offer_languages: npt.NDArray[np.uint64],
    offer_regions: npt.NDArray[np.uint64],
    offer_level: npt.NDArray[np.float64],
    offer_available: npt.NDArray[np.bool_],
    top: int = 5,
    weights: Mapping[str, float] = WEIGHTS,
    chunk: int = 512,
) -> list[list[Match]]:
    """The ``top`` offers for every need (indices into the input arrays), best first.

    Masks are bit sets over shared vocabularies; an offer region mask of 0 means it
    serves every region, a need language or region of 0 means "not stated" (the factor
    is then 1 for every offer). Levels are 1–3, NaN when not stated (factor 1).
    """
    w = {f: np.float32(weights[f]) for f in FACTORS}
    n_count = np.maximum(np.bitwise_count(need_themes), 1).astype(np.float32)
    avail = offer_available.astype(np.float32)
    global_offer = offer_regions == 0
    out: list[list[Match]] = []
    for lo in range(0, len(need_themes), chunk):
        hi = min(len(need_themes), lo + chunk)
        common = np.bitwise_count(need_themes[lo:hi, None] & offer_themes[None, :])
        f_theme = common.astype(np.float32) / n_count[lo:hi, None]
        nl = need_language[lo:hi, None]
        f_lang = ((offer_languages[None, :] & nl) != 0) | (nl == 0)
        nr = need_region[lo:hi, None]
        f_region = ((offer_regions[None, :] & nr) != 0) | global_offer[None, :] | (nr == 0)
        dl = np.abs(need_level[lo:hi, None] - offer_level[None, :]).astype(np.float32)
        f_level = np.where(np.isnan(dl), np.float32(1.0), 1.0 - np.minimum(dl, 2.0) / 2.0)
        score = w["themes"] * f_theme
        score += w["language"] * f_lang
        score += w["region"] * f_region
        score += w["level"] * f_level
        score += (w["availability"] * avail)[None, :]
        score[common == 0] = -1.0  # eligibility: a shared theme
        k = min(top, score.shape[1])
        if k == 0:
            out.extend([] for _ in range(hi - lo))
            continue
        best = np.argpartition(-score, k - 1, axis=1)[:, :k]
        for i in range(hi - lo):
            idx = best[i][np.argsort(-score[i, best[i]], kind="stable")]
            row = []
            for j in idx:
                if score[i, j] < 0:
                    continue
                row.append(
                    Match(
                        need=lo + i,
                        offer=int(j),
                        score=round(float(score[i, j]), 4),
                        factors={
                            "themes": round(float(f_theme[i, j]), 4),
                            "language": float(f_lang[i, j]),
                            "region": float(f_region[i, j]),
                            "level": round(float(f_level[i, j]), 4),
                            "availability": float(avail[j]),
                        },
                    )
                )
            out.append(row)
    return out
