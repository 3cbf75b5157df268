"""Translation of user-facing text, framework-free: the current locale and ``_()``.

The core services (challenge explanations, import findings …) word their messages
through :func:`gettext` so that the pages show them in the reader's language. The
locale lives in a :class:`~contextvars.ContextVar` (English by default): the web layer
sets it per request, other callers use :func:`use_locale`. Messages are whole sentences
with named ``{placeholders}`` filled *after* translation::

    _("score {score}/100 in {year}").format(score=81, year=2020)

Catalogues: ``sdgcities/locale/<lang>/LC_MESSAGES/messages.po`` (and one ``<domain>.po`` per
domain), shared with the web templates; ``make setup`` compiles them to ``.mo``, which is
never committed (``python -m sdgcities.web.i18n extract | compile`` refreshes them).
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import lru_cache
from importlib import resources
from pathlib import Path

#: the source language
DEFAULT_LOCALE = "en"
#: the languages with a catalogue, English first
LOCALES: tuple[str, ...] = ("en", "fr", "es")
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("sdgcities_locale", default=DEFAULT_LOCALE)


def locale_dir() -> Path:
    """The folder holding ``<lang>/LC_MESSAGES/messages.{po,mo}``."""
    return Path(str(resources.files("sdgcities") / "locale"))


@lru_cache(maxsize=8)
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of ``lang``: ``messages`` first, then every other domain's catalogue.

    Each domain package may keep its own catalogue beside ``messages`` (for example
    ``capacity.po``) so that parallel work on two domains never edits one file; a message
    missing from one catalogue is looked up in the next. The compiled ``.mo`` is used when
    present, the ``.po`` otherwise.
    """
    if lang == DEFAULT_LOCALE or lang not in LOCALES:
        return _gettext.NullTranslations()
    folder = locale_dir() / lang / "LC_MESSAGES"
    domains = sorted({p.stem for p in folder.glob("*.po")} | {p.stem for p in folder.glob("*.mo")})
    domains.sort(key=lambda d: d != DOMAIN)
    first: _gettext.NullTranslations | None = None
    for domain in domains:
        mo, po = folder / f"{domain}.mo", folder / f"{domain}.po"
        if mo.exists():
            with mo.open("rb") as fh:
                catalogue: _gettext.NullTranslations = _gettext.GNUTranslations(fh)
        else:
            catalogue = _gettext.GNUTranslations(io.BytesIO(compile_po(po)))
        if first is None:
            first = catalogue
        else:
            first.add_fallback(catalogue)
    return first or _gettext.NullTranslations()


def compile_po(po: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def get_locale() -> str:
    """The current language (``"en"``, ``"fr"`` …)."""
    return _current.get()


def set_locale(lang: str) -> Token[str]:
    """Make ``lang`` the current language (unknown ones: English); the token undoes it."""
    return _current.set(lang if lang in LOCALES else DEFAULT_LOCALE)


def reset_locale(token: Token[str]) -> None:
    """Restore the language before the :func:`set_locale` that returned ``token``."""
    _current.reset(token)


@contextmanager
def use_locale(lang: str) -> Iterator[str]:
    """Within the block, text is translated into ``lang``; the previous language after."""
    token = set_locale(lang)
    try:
        yield _current.get()
    finally:
        reset_locale(token)


def gettext(message: str, **variables: object) -> str:
    """``message`` in the current language; ``%(name)s`` formatting when ``variables``."""
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """Plural translation; formats (``%(num)d`` and ``variables``) only when given any."""
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables} if variables else text


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction without translating it (translate when shown)."""
    return message


_ = gettext
