"""Importing a city's or hub's indicators (YAML / CSV): good files and every finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.catalogue.registry import (
    get_indicator,
    import_indicators,
    list_indicators,
    sync_builtin_catalogue,
    umf_matrix,
)
from sdgcities.errors import InputFileError, ValidationError
from sdgcities.store.db import transaction
from sdgcities.store.models import Indicator

GOOD_YAML = """\
catalogue_version: "local-1"
framework: custom
indicators:
  - code: PA-TREES
    name: Trees planted per 1,000 inhabitants
    unit: per 1,000
    direction: higher
    umf_code: "3.4.9"
  - code: "6.1.1"
    framework: SDG
    name: Proportion of population using safely managed drinking water services
    unit: "%"
    direction: higher
    custodian: WHO, UNICEF
"""

GOOD_CSV = """\
code,name,unit,direction,goal,confirmed
PA-NOISE,Population exposed to road noise above 55 dB,%,lower,11,yes
PA-DENSITY,Residential density,inhabitants per km²,target,,
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _count(engine: Engine) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Indicator)) or 0)


def test_import_yaml_good(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "local.yaml", GOOD_YAML)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        done = import_indicators(s, path, owner="porto-alegre-bra")
        assert [i.code for i in done] == ["PA-TREES", "6.1.1"]
    with transaction(engine) as s:
        trees = get_indicator(s, "PA-TREES")
        assert (trees.framework, trees.owner, trees.catalogue_version) == (
            "custom",
            "porto-alegre-bra",
            "local-1",
        )
        assert (trees.umf_domain, trees.umf_objective) == (3, 4)
        water = get_indicator(s, "6.1.1")
        assert (water.framework, water.goal, water.sdg_code) == ("SDG", "6", "6.1.1")
        assert "PA-TREES" in [i.code for i in umf_matrix(s)[(3, 4)]]
    # the same owner may re-import (an update), idempotently
    with transaction(engine) as s:
        import_indicators(s, path, owner="porto-alegre-bra")
        assert len(list_indicators(s, framework="custom")) == 1


def test_import_csv_good(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "local.csv", GOOD_CSV)
    with transaction(engine) as s:
        done = import_indicators(s, path, owner="hub")
        assert {i.code: i.direction for i in done} == {"PA-NOISE": "lower", "PA-DENSITY": "target"}
        assert done[0].goal == "11"


BAD_CSV = """\
code,name,unit,direction,umf_code,goal
,No code here,%,higher,,
X-1,,%,higher,,
X-2,Bad direction,%,better,,
X-3,Dup one,%,higher,,
X-3,Dup two,%,lower,,
X-4,Bad umf,%,higher,6.1.1,
X-5,Bad goal,%,higher,,18
11.2.1,Overwrite a built-in,%,higher,,
"""


def test_import_csv_bad_reports_every_finding(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", BAD_CSV)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    before = _count(engine)
    with pytest.raises(ValidationError) as info, transaction(engine) as s:
        import_indicators(s, path, owner="city")
    got = {(f.row, f.column, f.message) for f in info.value.findings}
    assert got == {
        (2, "code", "missing code"),
        (3, "name", "missing name"),
        (4, "direction", "bad direction"),
        (6, "code", "duplicate code (also in entry/row 5)"),
        (7, "umf_code", "bad UMF code"),
        (8, "goal", "goal is not an SDG goal number"),
        (9, "code", "attempt to overwrite a built-in indicator"),
    }
    assert all(f.file == "bad.csv" and f.fix for f in info.value.findings)
    assert _count(engine) == before  # all or nothing


def test_import_yaml_bad_reports_every_finding(engine: Engine, tmp_path: Path) -> None:
    text = """\
indicators:
  - {code: A-1, name: Fine, direction: higher}
  - {code: A-2, name: No direction}
  - {code: A-3, name: UMF without a code, framework: UMF, direction: higher}
  - {umf_code: "9.1.1", framework: UMF, name: Bad domain, direction: lower}
  - {code: A-1, name: Duplicate, direction: lower}
  - {code: "11.6.2", name: Overwrite, direction: lower, framework: SDG}
placements:
  - {code: NOPE-1, umf_code: "1.1.9"}
  - {code: UMF-3.4.1, umf_code: "3.5.1"}
"""
    path = _write(tmp_path, "bad.yaml", text)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    before = _count(engine)
    with pytest.raises(ValidationError) as info, transaction(engine) as s:
        import_indicators(s, path, owner="hub")
    got = {(f.row, f.column, f.message) for f in info.value.findings}
    assert got == {
        (2, "direction", "missing direction"),
        (3, "umf_code", "missing UMF code"),
        (4, "umf_code", "bad UMF code"),
        (4, "code", "missing code"),
        (5, "code", "duplicate code (also in entry/row 1)"),
        (6, "code", "attempt to overwrite a built-in indicator"),
        (2, "umf_code", "bad UMF code"),  # placement 2
        (1, "code", "no such indicator to place"),  # placement 1
    }
    assert _count(engine) == before


def test_other_owner_cannot_overwrite(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "local.csv", GOOD_CSV)
    with transaction(engine) as s:
        import_indicators(s, path, owner="city-a")
    with pytest.raises(ValidationError, match="already used by 'city-a'"), transaction(engine) as s:
        import_indicators(s, path, owner="city-b")


def test_hub_moves_builtin_in_matrix_and_sync_keeps_it(engine: Engine, tmp_path: Path) -> None:
    text = 'placements:\n  - {code: UMF-3.4.1, umf_code: "3.1.1", confirmed: true}\n'
    path = _write(tmp_path, "placements.yaml", text)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        assert get_indicator(s, "UMF-3.4.1").confirmed is False
        import_indicators(s, path, owner="global-hub")
    with transaction(engine) as s:
        sync_builtin_catalogue(s)  # `sdgcities init` again
        moved = get_indicator(s, "UMF-3.4.1")
        assert (moved.umf_domain, moved.umf_objective, moved.confirmed) == (3, 1, True)
        assert moved.owner is None  # still a built-in
        matrix = umf_matrix(s)
        assert moved in matrix[(3, 1)]
        assert moved not in matrix[(3, 4)]


def test_unreadable_files(engine: Engine, tmp_path: Path) -> None:
    with transaction(engine) as s:
        with pytest.raises(InputFileError, match="unsupported file type"):
            import_indicators(s, _write(tmp_path, "x.txt", "code"), owner="a")
        with pytest.raises(InputFileError, match="not valid YAML"):
            import_indicators(s, _write(tmp_path, "x.yaml", "indicators: [\n"), owner="a")
        with pytest.raises(InputFileError, match="missing column"):
            import_indicators(s, _write(tmp_path, "x.csv", "code,unit\nA,%\n"), owner="a")
        with pytest.raises(ValidationError, match="owner"):
            import_indicators(s, _write(tmp_path, "y.csv", GOOD_CSV), owner=" ")
