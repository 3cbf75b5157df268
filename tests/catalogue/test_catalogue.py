"""The built-in catalogue: completeness, UMF matrix, lookups — on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from sdgcities.catalogue._loader import UMF_CODE
from sdgcities.catalogue.registry import (
    builtin_files,
    get_indicator,
    indicator_summaries,
    list_indicators,
    sync_builtin_catalogue,
    umf_code_of,
    umf_matrix,
)
from sdgcities.errors import NotFoundError
from sdgcities.store.db import transaction

SDG11 = [
    "11.1.1", "11.2.1", "11.3.1", "11.3.2", "11.4.1", "11.5.1", "11.5.2", "11.5.3",
    "11.6.1", "11.6.2", "11.7.1", "11.7.2", "11.a.1", "11.b.1", "11.b.2",
]  # fmt: skip
#: companion series published beside an official indicator (UN-Habitat's 11.7.1 (b))
COMPANIONS = ["11.7.1b"]
#: digital-inclusion indicators of goals 9 and 17 (sdg_digital.yaml, UN SDG metadata)
DIGITAL = {"9.c.1": "9", "17.6.1": "17", "17.8.1": "17"}
CONFIRMED_UMF = {
    "1.1.3": "6.2.1", "1.1.4": "6.2.1", "1.1.5": "3.1.2", "1.1.6": "16.1.4", "1.1.7": "3.7.2",
    "1.1.8": "3.6.1", "1.2.1": "1.4.1", "1.2.3": "4.1.2", "1.2.4": "1.4.2", "1.2.5": "2.2.2",
    "1.3.1": None, "1.3.2": "3.4.1", "1.3.3": "3.4.2", "1.3.4": "11.5.1", "1.3.5": None,
    "1.3.6": "2.1.2", "1.4.1": "11.1.1", "1.4.2": None, "2.2.1": "8.5.2", "2.2.2": "8.6.1",
    "2.2.3": "11.2.1", "2.2.4": "17.8.1",
}  # fmt: skip


def test_builtin_files_validate_without_findings() -> None:
    files = builtin_files()
    assert [f.name for f in files] == ["sdg11.yaml", "umf.yaml", "sdg_digital.yaml"]
    assert all(f.version for f in files)
    assert all(not f.findings for f in files)


def test_sdg11_complete(engine: Engine) -> None:
    with transaction(engine) as s:
        n = sync_builtin_catalogue(s)
        every_sdg = list_indicators(s, framework="SDG")
        digital = {i.code: i.goal for i in every_sdg if i.code in DIGITAL}
        assert digital == DIGITAL
        sdg = [i for i in every_sdg if i.code not in DIGITAL]
        assert [i.code for i in sdg if i.code not in COMPANIONS] == SDG11
        assert sorted(i.code for i in sdg if i.code in COMPANIONS) == COMPANIONS
        assert n == len(SDG11) + len(COMPANIONS) + len(DIGITAL) + len(
            list_indicators(s, framework="UMF")
        )
        for ind in sdg:
            assert ind.goal == "11"
            assert ind.name
            assert ind.unit
            assert ind.custodian
            assert ind.method_summary
            assert ind.direction in ("higher", "lower", "target")
            assert ind.method_version
            assert ind.catalogue_version
            assert ind.owner is None
        lcr = get_indicator(s, "11.3.1")
        assert lcr.direction == "target"
        assert lcr.extra["target"] == 1.0
        assert get_indicator(s, "11.1.1").direction == "lower"
        assert get_indicator(s, "11.2.1").direction == "higher"
        assert get_indicator(s, "11.b.1").custodian == "UNDRR"


def test_sync_is_idempotent(engine: Engine) -> None:
    with transaction(engine) as s:
        first = sync_builtin_catalogue(s)
    with transaction(engine) as s:
        assert sync_builtin_catalogue(s) == first
        assert len(list_indicators(s)) == first


def test_umf_codes_valid_and_linked(engine: Engine) -> None:
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        umf = list_indicators(s, framework="UMF")
        codes = {umf_code_of(i): i for i in umf}
        for ind in umf:
            code = umf_code_of(ind)
            assert code is not None, ind.code
            assert UMF_CODE.match(code), ind.code
            assert ind.code == f"UMF-{code}"
            d, o, _ = code.split(".")
            assert (ind.umf_domain, ind.umf_objective) == (int(d), int(o))
            if ind.sdg_code:
                assert ind.goal == ind.sdg_code.split(".")[0]
        for code, sdg in CONFIRMED_UMF.items():
            assert codes[code].confirmed, code
            assert codes[code].sdg_code == sdg, code
        unconfirmed = [i for i in umf if not i.confirmed]
        assert {i.sdg_code for i in unconfirmed} >= {
            "11.6.2",
            "11.6.1",
            "11.7.1",
            "11.3.1",
            "11.4.1",
            "11.3.2",
            "11.b.2",
        }
        assert all(umf_code_of(i) not in CONFIRMED_UMF for i in unconfirmed)


def test_umf_matrix_has_twenty_cells(engine: Engine) -> None:
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        matrix = umf_matrix(s)
        assert sorted(matrix) == [(d, o) for d in range(1, 6) for o in range(1, 5)]
        assert [umf_code_of(i) for i in matrix[(1, 4)]] == ["1.4.1", "1.4.2"]
        assert [i.sdg_code for i in matrix[(2, 2)]] == ["8.5.2", "8.6.1", "11.2.1", "17.8.1"]
        assert matrix[(2, 1)] == []


def test_lookup_and_filters(engine: Engine) -> None:
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        assert get_indicator(s, "UMF 1.4.1").code == "UMF-1.4.1"
        assert get_indicator(s, "umf-1.4.1").code == "UMF-1.4.1"
        with pytest.raises(NotFoundError, match=r"did you mean .*11\.7\.2"):
            get_indicator(s, "11.7.3")
        transport = [i.code for i in list_indicators(s, search="public transport")]
        assert transport == ["11.2.1", "UMF-2.2.3"]
        goal3 = {i.code for i in list_indicators(s, goal="3")}
        assert goal3 == {"UMF-1.1.5", "UMF-1.1.7", "UMF-1.1.8", "UMF-1.3.2", "UMF-1.3.3"}
        assert all(re.match(r"UMF-", i.code) for i in list_indicators(s, framework="umf"))


@pytest.mark.parametrize(
    "filters",
    [{}, {"framework": "umf"}, {"goal": "3"}, {"search": "public transport"}, {"search": "%"}],
)
def test_indicator_summaries_agree_with_the_orm(engine: Engine, filters: dict[str, str]) -> None:
    """The API's plain-row list holds what the ORM indicators hold, in the same order."""
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    with transaction(engine) as s:
        expected = list_indicators(s, **filters)
        got = indicator_summaries(s, **filters)
        assert [i.code for i in got] == [i.code for i in expected]
        for summary, ind in zip(got, expected, strict=True):
            assert summary == tuple(getattr(ind, f) for f in summary._fields)
        assert all(isinstance(i.confirmed, bool) for i in got)  # SQLite's 0/1 converted
    if not filters:  # natural order: numbers before letters, SDG before UMF
        at = [i.code for i in got].index
        assert at("11.2.1") < at("11.7.1") < at("11.7.1b") < at("11.7.2") < at("11.a.1")
        assert at("11.b.2") < at("UMF-1.1.3")
