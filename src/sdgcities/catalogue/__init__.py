"""The indicator catalogue: SDG 11, the UN Urban Monitoring Framework and local indicators.

Service functions live in :mod:`sdgcities.catalogue.registry`; the built-in data files in
``catalogue/data`` are read by the same loader that reads a city's or hub's own files.
"""

from __future__ import annotations
