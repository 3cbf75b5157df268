"""Observations: indicator values of cities, with versions and provenance.

* :mod:`.importer` — long / wide CSV and Excel files, streaming, all-or-nothing;
* :mod:`.unhabitat` — the UN-Habitat Urban Indicators Database table layout;
* :mod:`.service` — current values, history, one value (:func:`record_value`), provenance;
* :mod:`.disaggregation` — canonical breakdown keys such as ``"age=15-24|sex=female"``.
"""

from __future__ import annotations

from sdgcities.observations.importer import ImportReport, import_observations
from sdgcities.observations.service import (
    current_observations,
    history,
    provenance_of,
    record_value,
)
from sdgcities.observations.unhabitat import import_unhabitat_table

__all__ = [
    "ImportReport",
    "current_observations",
    "history",
    "import_observations",
    "import_unhabitat_table",
    "provenance_of",
    "record_value",
]
