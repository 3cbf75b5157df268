"""Languages of the web pages: gettext catalogues (Babel) and the choice of locale.

English is the source language. Catalogues live in ``sdgcities/locale/<lang>/LC_MESSAGES/``
as ``messages.po`` (edited by translators; other domains add ``<domain>.po`` beside it) and
the compiled ``.mo`` files, built by ``make setup`` (``compile`` below) and never committed.
The locale of a request is chosen from ``?lang=``, then the ``lang`` cookie, then the
``Accept-Language`` header, then English. The current locale and ``gettext`` live in the
framework-free :mod:`sdgcities._i18n` (shared with the core services); this module
re-exports them and adds the web's language choice and the catalogue maintenance.

Maintenance::

    python -m sdgcities.web.i18n extract   # templates + python → locale/messages.pot, merge .po
    python -m sdgcities.web.i18n compile   # every <lang>/LC_MESSAGES/*.po → .mo
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.pofile import PoFileError, read_po

from sdgcities._i18n import (
    DEFAULT_LOCALE,
    compile_po,
    get_locale,
    gettext,
    locale_dir,
    ngettext,
    reset_locale,
    set_locale,
    translations,
    use_locale,
)

__all__ = [
    "COOKIE",
    "DEFAULT_LOCALE",
    "LANGUAGES",
    "babel_locale",
    "choose_locale",
    "compile_po",
    "get_locale",
    "gettext",
    "locale_dir",
    "ngettext",
    "reset_locale",
    "set_locale",
    "translations",
    "use_locale",
]

#: the languages offered, English first; names in their own language
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español"}
COOKIE = "lang"


def choose_locale(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language for a request: ``?lang=``, cookie, ``Accept-Language``, else English."""
    for candidate in (query, cookie):
        if candidate and candidate.lower()[:2] in LANGUAGES:
            return candidate.lower()[:2]
    if accept_language:
        prefs = []
        for part in accept_language.split(","):
            piece = part.strip().split(";")[0].strip()
            if piece and piece != "*":
                prefs.append(piece.replace("-", "_"))
        found = negotiate_locale(prefs, list(LANGUAGES), sep="_")
        if found:
            return found
        for pref in prefs:
            if pref[:2].lower() in LANGUAGES:
                return pref[:2].lower()
    return DEFAULT_LOCALE


def babel_locale() -> Locale:
    return Locale.parse(get_locale())


_: Callable[..., str] = gettext


# --------------------------------------------------------------------------- maintenance


def _extract(root: Path) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    package = root.parent
    catalog = Catalog(project="sdgcities", charset="utf-8")
    method_map = [
        ("web/templates/**.html", "jinja2"),
        ("web/**.py", "python"),
        # the core services whose text the pages show (see sdgcities._i18n)
        ("assessment/**.py", "python"),
        ("observations/**.py", "python"),
    ]
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, comments, _ctx in extract_from_dir(
        str(package),
        method_map=method_map,
        options_map=options,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments)
    with (root / "messages.pot").open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True)
    for lang in LANGUAGES:
        if lang == DEFAULT_LOCALE:
            continue
        po = root / lang / "LC_MESSAGES" / "messages.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        if po.exists():
            with po.open("rb") as fh:
                existing = read_po(fh, locale=lang)
            existing.update(catalog, no_fuzzy_matching=True)
            target = existing
        else:
            target = Catalog(locale=lang, project="sdgcities", charset="utf-8")
            target.update(catalog)
        with po.open("wb") as fh:
            write_po(fh, target, sort_output=True, ignore_obsolete=True)


def compile_all(root: Path) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``root`` to its ``.mo``.

    Each domain's catalogue (``messages.po``, ``capacity.po`` …) is compiled. A ``.mo`` is
    written only when its bytes change, through a temporary file renamed into place, so a
    reader never sees half a catalogue; a ``.mo`` whose ``.po`` is gone is removed. Returns
    the ``.mo`` files written.
    """
    for orphan in root.glob("*/LC_MESSAGES/*.mo"):
        if not orphan.with_suffix(".po").exists():
            orphan.unlink()
    written = []
    for po in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        data = compile_po(po)
        if mo.exists() and mo.read_bytes() == data:
            continue
        tmp = mo.with_name(f".{mo.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(mo)
        written.append(mo)
    return written


USAGE = """usage: python -m sdgcities.web.i18n [compile | extract]

  compile  every locale/<lang>/LC_MESSAGES/*.po → .mo (what `make setup` runs)
  extract  templates + python → locale/messages.pot, merged into each messages.po; then compile
"""


def main(argv: list[str]) -> int:
    """The maintenance entry point; exit 2 on a wrong action, 1 on a broken catalogue."""
    action = argv[0] if argv else "compile"
    if action not in ("compile", "extract") or len(argv) > 1:
        sys.stderr.write(USAGE)
        return 2
    where = locale_dir()
    if action == "extract":
        _extract(where)
    try:
        written = compile_all(where)
    except (OSError, PoFileError) as err:
        sys.stderr.write(f"✗ {err}\nfix the .po file named above and run again\n")
        return 1
    for mo in written:
        print(f"compiled {mo.relative_to(where)}")
    return 0


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    sys.exit(main(sys.argv[1:]))
