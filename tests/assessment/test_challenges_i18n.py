"""The challenge explanations follow the current language (sdgcities._i18n).

Same hand store as test_hand_store.py: Alpha's challenge A is red, deteriorating
(50 in 2015 → 30 in 2020) and 40 % below the peer median 70 %; B has one year only.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from sdgcities._i18n import get_locale, use_locale
from sdgcities.assessment.challenges import Challenge, city_challenges
from sdgcities.store.db import transaction

Store = tuple[Engine, dict[str, int]]


def _challenges(engine: Engine, lang: str) -> dict[str, Challenge]:
    with use_locale(lang), transaction(engine) as s:
        return {c.indicator: c for c in city_challenges(s, "Alpha", benchmark_set="hand")}


def test_challenge_reasons_in_french(hand_store: Store) -> None:
    engine, _ids = hand_store
    fr = _challenges(engine, "fr")
    a, b = fr["A"], fr["B"]
    assert a.reasons[0] == "score 30/100 : 30 % en 2020, meilleur 100, pire 0"
    assert a.reasons[1] == "rouge : moins bon que le seuil orange 40 %"
    assert a.reasons[2] == "en dégradation : 50 (2015) → 30 (2020)"
    assert a.reasons[3].startswith("cible 2030 : 80 %")
    assert a.reasons[3].endswith("progrès : dégradation")
    assert a.reasons[4].startswith(
        "écart défavorable de 40 % par rapport à la médiane des pairs 70 % (score médian 70 sur 3"
    )
    assert "pas de tendance : une seule année de données" in b.reasons
    assert b.reasons[-1].startswith("écart favorable de 10 µg/m³")
    assert a.explanation == "; ".join(a.reasons)
    assert get_locale() == "en"


def test_challenge_reasons_in_spanish(hand_store: Store) -> None:
    engine, _ids = hand_store
    es = _challenges(engine, "es")
    a = es["A"]
    assert a.reasons[0] == "puntuación 30/100: 30 % en 2020, mejor 100, peor 0"
    assert a.reasons[1] == "rojo: peor que el umbral naranja 40 %"
    assert a.reasons[2] == "empeorando: 50 (2015) → 30 (2020)"
    assert a.reasons[3].endswith("progreso: deterioro")
    assert a.reasons[4].startswith("desventaja de 40 % respecto a la mediana de los pares 70 %")
    assert "sin tendencia: solo hay un año de datos" in es["B"].reasons


def test_only_the_wording_changes_with_the_language(hand_store: Store) -> None:
    engine, _ids = hand_store
    en, fr = _challenges(engine, "en"), _challenges(engine, "fr")
    keep = ("rank", "priority", "score", "colour", "trend", "progress", "value", "peer_median")
    for code, c in en.items():
        assert [getattr(c, k) for k in keep] == [getattr(fr[code], k) for k in keep]
        assert len(c.reasons) == len(fr[code].reasons)
        assert c.reasons != fr[code].reasons
    assert en["A"].reasons[2] == "deteriorating: 50 (2015) → 30 (2020)"


@pytest.mark.parametrize("lang", ["de", "", "xx"])
def test_unknown_language_falls_back_to_english(hand_store: Store, lang: str) -> None:
    engine, _ids = hand_store
    assert _challenges(engine, lang)["A"].reasons[1] == "red: worse than the orange threshold 40 %"
