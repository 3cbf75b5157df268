"""sdgcities: SDG Cities monitoring platform."""

from sdgcities._version import __version__

__all__ = ["__version__"]
