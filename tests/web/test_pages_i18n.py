"""Every user-facing string of the templates goes through ``_()``; fr/es catalogues exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sdgcities.web import i18n
from sdgcities.web.templating import environment

TEMPLATES = Path(i18n.__file__).parent / "templates"
TAGS = re.compile(r"<[^>]*>", re.S)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
ENTITY = re.compile(r"&[a-z#0-9]+;", re.I)
#: attributes a person reads (placeholders, accessible names, tooltips, alternatives)
READ_ATTRS = re.compile(r"\b(placeholder|aria-label|title|alt|data-label-[a-z-]+)=\"([^\"]*)\"")
LETTERS = re.compile(r"[^\W\d_]{2,}")


def _template_names() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))


def _bare_texts(source: str) -> list[str]:
    """Words in the template's literal HTML outside tags, scripts, styles and Jinja code."""
    environment().parse(source)  # the template must at least parse
    html = JINJA.sub(" ", source)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    found = [
        f"{m.group(1)}={m.group(2)!r}"
        for m in READ_ATTRS.finditer(html)
        if LETTERS.search(m.group(2))
    ]
    text = ENTITY.sub(" ", TAGS.sub(" ", html))
    return found + LETTERS.findall(text)


@pytest.mark.parametrize("name", _template_names())
def test_no_bare_text_in_template(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert _bare_texts(source) == [], f"{name}: wrap these in {{{{ _('…') }}}}"


def test_the_checker_catches_bare_text() -> None:
    assert _bare_texts("<p>Hello {{ x }}</p>") == ["Hello"]
    assert _bare_texts('<input placeholder="Search here">') == ["placeholder='Search here'"]
    assert _bare_texts("<p>{{ _('Hello') }} · {{ n }} %</p><script>var a = 'x';</script>") == []


def _domain_ids(lang: str = "fr") -> set[str]:
    """The translated ids of the domains' own catalogues (``<domain>.po`` beside messages)."""
    from babel.messages.pofile import read_po

    ids: set[str] = set()
    for po in (i18n.locale_dir() / lang / "LC_MESSAGES").glob("*.po"):
        if po.stem == "messages":
            continue
        with po.open("rb") as fh:
            ids |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.string}
    return ids


def _catalogue_ids() -> set[str]:
    from babel.messages.pofile import read_po

    with (i18n.locale_dir() / "messages.pot").open("rb") as fh:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    return ids | _domain_ids()


def _extracted_ids() -> set[str]:
    from babel.messages.extract import extract_from_dir

    ids: set[str] = set()
    for _f, _l, message, _c, _ctx in extract_from_dir(
        str(TEMPLATES),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_template_strings_are_in_the_catalogue_template() -> None:
    missing = _extracted_ids() - _catalogue_ids()
    assert not missing, (
        f"run `python -m sdgcities.web.i18n extract` — new strings: {sorted(missing)[:10]}"
    )


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_catalogue_exists_is_compiled_and_complete(lang: str) -> None:
    from babel.messages.pofile import read_po

    folder = i18n.locale_dir() / lang / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    assert po.is_file()
    assert mo.is_file()
    assert mo.read_bytes() == i18n.compile_po(po), "run `python -m sdgcities.web.i18n compile`"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert not untranslated, f"{lang}: untranslated {untranslated[:10]}"
    needed = _extracted_ids()
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert needed <= have | _domain_ids(lang)


def test_locale_choice() -> None:
    assert i18n.choose_locale("fr", None, None) == "fr"
    assert i18n.choose_locale(None, "es", "fr-FR,fr;q=0.9") == "es"
    assert i18n.choose_locale(None, None, "es-MX,es;q=0.9,en;q=0.5") == "es"
    assert i18n.choose_locale(None, None, "de-DE,de;q=0.9") == "en"
    assert i18n.choose_locale("xx", None, None) == "en"


#: the core modules whose messages the pages show (sdgcities._i18n), as in ``_extract``
CORE_METHOD_MAP = [("assessment/**.py", "python"), ("observations/**.py", "python")]
PLACEHOLDER = re.compile(r"\{(\w*)\}|%\((\w+)\)[sd]")


def _core_ids() -> set[str]:
    from babel.messages.extract import extract_from_dir

    package = i18n.locale_dir().parent
    return {
        message if isinstance(message, str) else message[0]
        for _f, _l, message, _c, _ctx in extract_from_dir(
            str(package),
            method_map=CORE_METHOD_MAP,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        )
    }


def test_core_messages_are_in_the_catalogue_template() -> None:
    core = _core_ids()
    assert "value is not a number" in core
    assert "no trend: only one year of data" in core
    missing = core - _catalogue_ids()
    assert not missing, f"run `python -m sdgcities.web.i18n extract` — new: {sorted(missing)[:10]}"


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_translations_keep_every_placeholder(lang: str) -> None:
    from babel.messages.pofile import read_po

    with (i18n.locale_dir() / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        wrong += [s for s in strings if s and sorted(PLACEHOLDER.findall(s)) != wanted]
    assert not wrong, f"{lang}: placeholders differ in {wrong[:5]}"


def test_core_and_web_offer_the_same_languages() -> None:
    from sdgcities import _i18n

    assert tuple(i18n.LANGUAGES) == _i18n.LOCALES
    assert i18n.gettext is _i18n.gettext
