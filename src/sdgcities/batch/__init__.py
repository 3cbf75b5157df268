"""Fanning spatial work out over many cities on Dask (LocalCluster or a real scheduler)."""

from sdgcities.batch.run import BatchReport, CityOutcome, run_batch
from sdgcities.batch.spec import BatchSpec, CitySpec, load_batch_spec

__all__ = ["BatchReport", "BatchSpec", "CityOutcome", "CitySpec", "load_batch_spec", "run_batch"]
