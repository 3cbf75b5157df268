"""Cities: creating and importing them, the gazetteer, countries and typology.

* :mod:`sdgcities.cities.gazetteer` — search GeoNames cities (15,000+ inhabitants).
* :mod:`sdgcities.cities.typology` — UN city-size classes and country facts.
* :mod:`sdgcities.cities.service` — create, import, list and find cities in the store.
"""

from __future__ import annotations
