"""Arrow columns as numpy without pandas.

pyarrow converts arrays to numpy (``to_numpy``, ``np.asarray``) and builds arrays from
Python values through its pandas layer, which imports pandas: 0.2-0.3 s that the 11.2.1
command otherwise never pays. :func:`numbers` reads fixed-width numbers and booleans
straight from the Arrow buffers; text goes through ``to_pylist``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["numbers", "texts"]


#: numpy types of the fixed-width Arrow types :func:`numbers` reads
_NUMPY_TYPES: dict[str, type[np.generic]] = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "float": np.float32, "double": np.float64,
}  # fmt: skip


def _bits(buffer: pa.Buffer, offset: int, n: int) -> np.ndarray:
    """An Arrow bitmap (least significant bit first) as ``n`` booleans from ``offset``."""
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little")[offset : offset + n].astype(bool)


def numbers(col: pa.ChunkedArray | pa.Array, *, null: float | None = None) -> np.ndarray:
    """A numeric or boolean Arrow column as numpy, its nulls as ``null``, read from the
    Arrow buffers: pyarrow's own ``to_numpy`` imports pandas, which costs a command that
    never needs it 0.2-0.3 s.

    Fixed-width numbers and booleans only; a null without a ``null`` value raises.
    """
    import pyarrow as pa

    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    parts: list[np.ndarray] = []
    for chunk in chunks:
        n, offset = len(chunk), chunk.offset
        if n == 0:
            continue
        validity, data = chunk.buffers()[:2]
        kind = str(chunk.type)
        if kind == "bool":
            values = _bits(data, offset, n)
        elif kind in _NUMPY_TYPES:
            values = np.frombuffer(data, dtype=_NUMPY_TYPES[kind])[offset : offset + n]
        else:
            raise TypeError(f"cannot read an Arrow {kind} column as numbers")
        if validity is not None and chunk.null_count:
            if null is None:
                raise ValueError(f"{chunk.null_count} empty value(s) where numbers are needed")
            values = np.where(_bits(validity, offset, n), values, null)
        parts.append(values)
    return np.concatenate(parts) if parts else np.empty(0)


def texts(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A text column as a numpy object array (``None`` for empty cells)."""
    values = col.to_pylist()
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
