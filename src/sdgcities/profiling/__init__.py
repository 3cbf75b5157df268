"""Urban profiling beside the spatial engine (issue 12, programmes 1, 3 and 4).

* :mod:`.areas` — neighbourhoods: imported polygons (validated as a partition), OSM
  ``place=*`` / ``boundary=administrative`` areas, or coarser H3 cells;
* :mod:`.reach` — walking access to services (15/30 minutes at 4.8 km/h) on the engine's
  walk graph, one multi-source Dijkstra per service;
* :mod:`.profile` — a profile per neighbourhood and its gaps to the city and to targets;
* :mod:`.deprivation` — the Alkire–Foster counting ranking of neighbourhoods;
* :mod:`.exposure` — people and buildings exposed to a hazard raster (exactextract);
* :mod:`.groups` — profiles by population group (host, migrants, refugees, IDPs);
* :mod:`.report` — the group profile as HTML/PDF with inline SVG maps.

Pure functions take frames and arrays; the ``*_from_files`` / ``*_from_kit`` functions
read files and call them.
"""
