"""The municipal own-source revenue diagnostic (after UN-Habitat's ROSRA).

:mod:`~sdgcities.revenue.rosra` holds the method (the split of each stream's potential
revenue into the actual revenue and five gaps, the KPIs, the priorities);
:mod:`~sdgcities.revenue.service` stores a city's diagnostic and reads it back.
"""

from __future__ import annotations

from sdgcities.revenue.rosra import Diagnostic, StreamInput, StreamSplit, analyse, split_stream

__all__ = ["Diagnostic", "StreamInput", "StreamSplit", "analyse", "split_stream"]
