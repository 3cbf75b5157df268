"""Output paths of the spatial commands, checked before any work is done.

Standard library only: the CLI checks ``--layer`` / ``--json`` paths before it imports the
spatial engine, so a wrong path fails at once (and costs no geopandas import).
"""

from __future__ import annotations

from pathlib import Path

from sdgcities.errors import InputFileError

#: the output formats a layer can be written in, by file suffix
LAYER_FORMATS: dict[str, str] = {
    ".gpkg": "GeoPackage",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
}


def check_output_path(path: str | Path, *, formats: dict[str, str] | None = None) -> str:
    """The format ``path`` will be written in; raise before any work when it cannot be.

    Refuses an unknown suffix (it would otherwise write a Shapefile folder of that name),
    an existing folder, and a missing parent folder.
    """
    p = Path(path)
    known = LAYER_FORMATS if formats is None else formats
    fmt = known.get(p.suffix.lower())
    if fmt is None:
        raise InputFileError(
            p,
            f"unknown output format {p.suffix or '(no suffix)'!r}",
            f"name the file with one of {', '.join(known)}",
        )
    if p.is_dir():
        raise InputFileError(p, "is a folder", "name a file to write")
    if not p.parent.is_dir():
        raise InputFileError(p, f"folder {p.parent} does not exist", "create it first")
    return fmt
