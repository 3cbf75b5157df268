"""Settings: one validated object, overridable from the environment.

=====================  =====================================  ==========================
setting                environment variable                   default
=====================  =====================================  ==========================
data_dir               ``SDGCITIES_DATA_DIR``                 the user data directory
database_url           ``DATABASE_URL``                       SQLite file in ``data_dir``
secret_key             ``SDGCITIES_SECRET_KEY``               generated once, kept in data_dir
=====================  =====================================  ==========================
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir

from sdgcities.errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    """The platform's settings (see the module docstring for the variables)."""

    data_dir: Path
    database_url: str
    secret_key: str

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def layers_dir(self) -> Path:
        return self.data_dir / "layers"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def _secret_key(data_dir: Path) -> str:
    env = os.environ.get("SDGCITIES_SECRET_KEY")
    if env:
        return env
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def load_settings(
    *, data_dir: str | os.PathLike[str] | None = None, database_url: str | None = None
) -> Settings:
    """Build settings from arguments, then the environment, then defaults."""
    raw_dir = data_dir or os.environ.get("SDGCITIES_DATA_DIR") or user_data_dir("sdgcities")
    ddir = Path(raw_dir).expanduser().resolve()
    url = database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{ddir / 'sdgcities.db'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ConfigurationError(
            f"DATABASE_URL {url.split(':', 1)[0]!r} is not supported; "
            "use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    try:
        ddir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the data directory {ddir}: {exc.strerror}; "
            "set SDGCITIES_DATA_DIR to a writable folder"
        ) from exc
    return Settings(data_dir=ddir, database_url=url, secret_key=_secret_key(ddir))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return load_settings()
