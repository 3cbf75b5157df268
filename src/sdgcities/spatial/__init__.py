"""Spatial SDG 11 indicators computed from open data (OSM, GTFS, population, GHSL rasters)."""
