"""Settings: one validated object, overridable from the environment.

=====================  =====================================  ==========================
setting                environment variable                   default
=====================  =====================================  ==========================
data_dir               ``SDGCITIES_DATA_DIR``                 the user data directory
database_url           ``DATABASE_URL``                       SQLite file in ``data_dir``
secret_key             ``SDGCITIES_SECRET_KEY``               generated once, kept in data_dir
max_upload_mb          ``SDGCITIES_MAX_UPLOAD_MB``            20 (uploads, page and API)
trusted_proxies        ``SDGCITIES_TRUSTED_PROXIES``          none (comma-separated IPs/CIDRs)
cookie_secure          ``SDGCITIES_COOKIE_SECURE``            auto (Secure over HTTPS)
base_url               ``SDGCITIES_BASE_URL``                 the request's scheme and host
smtp_host              ``SDGCITIES_SMTP_HOST``                none: no mail (links printed)
smtp_port              ``SDGCITIES_SMTP_PORT``                25
smtp_sender            ``SDGCITIES_SMTP_SENDER``              sdgcities@localhost
smtp_tls               ``SDGCITIES_SMTP_TLS``                 none (none, starttls, ssl)
smtp_user/_password    ``SDGCITIES_SMTP_USER``/``_PASSWORD``  none (no SMTP login)
web_threads            ``SDGCITIES_WEB_THREADS``              2 (requests at once per worker)
=====================  =====================================  ==========================

The secret key keys the session identifiers and the password-reset and invitation
tokens kept in the store (HMAC-SHA256): rotating it logs everyone out and voids every
pending reset link and invitation. Mail (resets, invitations) goes through the SMTP
server; links in it start with ``base_url``.

``web_threads`` caps the requests one web worker computes at once
(:class:`sdgcities.web._guard.ConcurrencyMiddleware`): the others wait, first come first
served, before they open a store session. A request frees its slot when its response
starts; at most 8 (or ``web_threads`` if higher) are inside at all, computing or
sending, so the store's connection pool (15 on SQLite) is never emptied. The pages are
CPU-bound Python, so more requests at once only share one interpreter lock and each
takes longer: on two workers, 50 readers pausing between city pages saw a p95 of
118–152 ms with 2, 156–197 ms with 4 and 159–226 ms with 8, over four runs
(``bench/bench_serve_limit.py``, two limits a run). Raise it when many requests wait on
slow I/O (a remote PostgreSQL) or when long requests (large imports, PDF reports) are
common, since two of them at once make a worker's other readers wait; add ``serve
--workers`` for more cores.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from sdgcities.errors import ConfigurationError

#: the file types an observations upload may have, on the page and in the API
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
DEFAULT_MAX_UPLOAD_MB = 20.0
DEFAULT_WEB_THREADS = 2
COOKIE_SECURE_CHOICES = ("auto", "always", "never")
SMTP_TLS_CHOICES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class Settings:
    """The platform's settings (see the module docstring for the variables)."""

    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    trusted_proxies: tuple[str, ...] = ()
    cookie_secure: str = "auto"
    base_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "sdgcities@localhost"
    smtp_tls: str = "none"
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    web_threads: int = DEFAULT_WEB_THREADS

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

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
    return Settings(
        data_dir=ddir, database_url=url, secret_key=_secret_key(ddir), **_web_settings()
    )


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env(name, default).lower()
    aliases = {"1": "always", "true": "always", "yes": "always", "0": "never", "false": "never"}
    if name == "SDGCITIES_COOKIE_SECURE":
        value = aliases.get(value, value)
    if value not in choices:
        raise ConfigurationError(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def _number(name: str, default: float, *, low: float, high: float) -> float:
    raw = _env(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} is not a number; e.g. {name}={default:g}"
        ) from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name}={raw} is outside {low:g}..{high:g}")
    return value


def _whole(name: str, default: int, *, low: int, high: int) -> int:
    value = _number(name, default, low=low, high=high)
    if value != int(value):
        raise ConfigurationError(f"{name}={value:g} is not a whole number; e.g. {name}={default}")
    return int(value)


def _proxies(raw: str) -> tuple[str, ...]:
    out = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ConfigurationError(
                f"SDGCITIES_TRUSTED_PROXIES: {part!r} is not an IP address or network; "
                "list the reverse proxies' addresses, e.g. 127.0.0.1,10.0.0.0/8"
            ) from None
        out.append(part)
    return tuple(out)


def _web_settings() -> dict[str, Any]:
    return {
        "max_upload_mb": _number(
            "SDGCITIES_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB, low=0.001, high=10_000
        ),
        "trusted_proxies": _proxies(os.environ.get("SDGCITIES_TRUSTED_PROXIES", "")),
        "cookie_secure": _choice("SDGCITIES_COOKIE_SECURE", "auto", COOKIE_SECURE_CHOICES),
        "base_url": _env("SDGCITIES_BASE_URL", "").rstrip("/"),
        "smtp_host": _env("SDGCITIES_SMTP_HOST", ""),
        "smtp_port": int(_number("SDGCITIES_SMTP_PORT", 25, low=1, high=65535)),
        "smtp_sender": _env("SDGCITIES_SMTP_SENDER", "sdgcities@localhost"),
        "smtp_tls": _choice("SDGCITIES_SMTP_TLS", "none", SMTP_TLS_CHOICES),
        "smtp_user": _env("SDGCITIES_SMTP_USER", ""),
        "smtp_password": os.environ.get("SDGCITIES_SMTP_PASSWORD", ""),
        "web_threads": _whole("SDGCITIES_WEB_THREADS", DEFAULT_WEB_THREADS, low=1, high=256),
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return load_settings()
