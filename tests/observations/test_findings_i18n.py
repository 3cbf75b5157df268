"""Import findings (message and fix) follow the current language (sdgcities._i18n)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from sdgcities._i18n import get_locale, use_locale
from sdgcities.errors import InputFileError, ValidationError
from sdgcities.observations._validate import max_year
from sdgcities.observations.disaggregation import canonical_key
from sdgcities.observations.importer import import_observations
from tests.observations.obs_helpers import write

BAD = (
    "city,indicator,year,value\n"
    "Nairrobi,11.7.1,2020,10\n"  # 2 unknown city
    "Nairobi,11.2.1,2020,ten\n"  # 3 non-numeric
    "Nairobi,11.2.1,1899,10\n"  # 4 year out of range
)


def _error(engine: Engine, path: Path, lang: str) -> ValidationError:
    with use_locale(lang), pytest.raises(ValidationError) as info:
        import_observations(engine, path)
    assert get_locale() == "en"
    return info.value


def test_findings_in_french(store: Engine, tmp_path: Path) -> None:
    err = _error(store, write(tmp_path / "bad.csv", BAD), "fr")
    assert err.summary == "bad.csv : 3 problème(s) trouvé(s) ; rien n'a été importé"
    by_row = {f.row: f for f in err.findings}
    assert by_row[2].message == "ville inconnue 'Nairrobi'"
    assert by_row[2].fix is not None
    assert by_row[2].fix.startswith("vouliez-vous dire 'Nairobi'")
    assert by_row[2].fix.endswith(
        "ajoutez d'abord la ville (sdgcities cities add) ou corrigez le nom"
    )
    assert by_row[3].message == "la valeur n'est pas un nombre"
    assert by_row[3].fix == (
        "écrivez un nombre simple avec un point décimal (sans unité ni séparateur de milliers)"
    )
    assert by_row[4].message == f"année hors de l'intervalle 1950..{max_year()}"
    assert by_row[4].fix == "vérifiez l'année (une faute de frappe ?)"
    # where the problem is stays as it was: file, row, column, value
    assert [(f.row, f.column, f.value) for f in err.findings] == [
        (2, "city", "Nairrobi"),
        (3, "value", "ten"),
        (4, "year", "1899"),
    ]


def test_findings_in_spanish(store: Engine, tmp_path: Path) -> None:
    err = _error(store, write(tmp_path / "bad.csv", BAD), "es")
    assert err.summary == "bad.csv: se encontraron 3 problema(s); no se importó nada"
    by_row = {f.row: f for f in err.findings}
    assert by_row[2].message == "ciudad desconocida 'Nairrobi'"
    assert by_row[3].message == "el valor no es un número"
    assert by_row[4].fix == "revise el año (¿una errata?)"


def test_findings_stay_english_by_default(store: Engine, tmp_path: Path) -> None:
    err = _error(store, write(tmp_path / "bad.csv", BAD), "en")
    assert err.summary == "bad.csv: 3 problem(s) found; nothing was imported"
    assert err.findings[1].message == "value is not a number"


def test_missing_columns_and_input_errors_in_french(store: Engine, tmp_path: Path) -> None:
    err = _error(store, write(tmp_path / "cols.csv", "city,year\nNairobi,2020\n"), "fr")
    assert err.summary == "cols.csv : des colonnes obligatoires manquent ; rien n'a été importé"
    assert err.findings[0].message.startswith("colonne obligatoire 'indicator' manquante")
    with use_locale("fr"), pytest.raises(InputFileError) as info:
        import_observations(store, write(tmp_path / "data.json", "{}"))
    assert info.value.problem == "type de fichier inconnu '.json'"
    assert info.value.fix == "fournissez un fichier .csv ou .xlsx"


def test_disaggregation_problems_in_spanish() -> None:
    with use_locale("es"), pytest.raises(ValueError, match="no tiene la forma dimensión=valor"):
        canonical_key("sex")
