"""Every user-facing string of the templates goes through ``_()``; fr/es catalogues exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
    """The ids of every catalogue: ``messages.pot``, each domain's ``.pot`` and ``.po``."""
    from babel.messages.pofile import read_po

    ids: set[str] = set()
    for pot in sorted(i18n.locale_dir().glob("*.pot")):
        with pot.open("rb") as fh:
            ids |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
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


def _messages(catalog: Any) -> dict[object, object]:
    """A catalogue's translated messages, ``{msgid: msgstr}`` (tuples for plurals)."""
    return {
        m.id if isinstance(m.id, str) else tuple(m.id): (
            m.string if isinstance(m.string, str) else tuple(m.string)
        )
        for m in catalog
        if m.id and m.string and not m.fuzzy
    }


def _differences(want: dict[object, object], have: dict[object, object]) -> list[str]:
    """The msgids whose translation differs between two catalogues (or is in only one)."""
    return sorted(str(k) for k in want.keys() | have.keys() if want.get(k) != have.get(k))


def _catalogues() -> list[tuple[str, str]]:
    """Every (language, domain) with a ``.po``: ``messages`` and each domain's own file."""
    return sorted(
        (po.parent.parent.name, po.stem) for po in i18n.locale_dir().glob("*/LC_MESSAGES/*.po")
    )


@pytest.mark.parametrize(("lang", "domain"), _catalogues())
def test_catalogue_is_compiled_and_complete(lang: str, domain: str) -> None:
    """The compiled ``.mo`` says what the ``.po`` says (by content, not bytes), all translated.

    The ``.mo`` is a build artefact (``make setup`` runs ``python -m sdgcities.web.i18n
    compile``), so its bytes depend on the Babel release; its messages must not.
    """
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = i18n.locale_dir() / lang / "LC_MESSAGES"
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    assert mo.is_file(), f"{mo.name} missing: run `make setup` (or python -m sdgcities.web.i18n)"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    with mo.open("rb") as fh:
        compiled = read_mo(fh)
    differ = _differences(_messages(catalog), _messages(compiled))
    assert not differ, (
        f"{lang}/{domain}.mo differs from its .po ({differ[:5]}): "
        "run `python -m sdgcities.web.i18n compile`"
    )
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert not untranslated, f"{lang}/{domain}.po: untranslated {untranslated[:10]}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    if domain != "catalogue":  # indicator names not confirmed stay fuzzy (shown in English)
        assert not fuzzy, f"{lang}/{domain}.po: fuzzy (unchecked) translations {fuzzy[:10]}"
    if domain == "messages":  # every template string is in messages.po or a domain's .po
        needed = _extracted_ids()
        ids: set[str] = set()
        for domain_po in folder.glob("*.po"):
            with domain_po.open("rb") as fh:
                ids |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
        assert needed <= ids, f"{lang}: missing {sorted(needed - ids)[:10]}"


def test_catalogue_content_check_catches_a_changed_translation(tmp_path: Path) -> None:
    """The comparison above is by content: the same messages pass, a changed one does not."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import read_mo, write_mo

    catalog = Catalog(locale="fr")
    catalog.add("City", "Ville")
    catalog.add(("one city", "{n} cities"), ("une ville", "{n} villes"))
    mo = tmp_path / "x.mo"
    with mo.open("wb") as fh:
        write_mo(fh, catalog)
    with mo.open("rb") as fh:
        compiled = _messages(read_mo(fh))
    assert compiled[("one city", "{n} cities")] == ("une ville", "{n} villes")
    assert _differences(_messages(catalog), compiled) == []
    catalog["City"].string = "Cité"
    catalog.add("Hub", "Pôle")
    assert _differences(_messages(catalog), compiled) == ["City", "Hub"]


def test_compile_writes_every_domain_and_only_on_change(tmp_path: Path) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    for domain, (msg, text) in {"messages": ("City", "Ville"), "hubs": ("Hub", "Pôle")}.items():
        catalog = Catalog(locale="fr")
        catalog.add(msg, text)
        po = tmp_path / "fr" / "LC_MESSAGES" / f"{domain}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as fh:
            write_po(fh, catalog)
    orphan = tmp_path / "fr" / "LC_MESSAGES" / "gone.mo"
    orphan.write_bytes(b"")
    written = i18n.compile_all(tmp_path)
    assert sorted(p.name for p in written) == ["hubs.mo", "messages.mo"]
    assert not orphan.exists()
    assert i18n.compile_all(tmp_path) == []  # nothing changed: nothing rewritten


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

    catalog = []
    for po in sorted((i18n.locale_dir() / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalog += list(read_po(fh))
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


def test_compile_entry_point_rejects_a_wrong_action(capsys: pytest.CaptureFixture[str]) -> None:
    assert i18n.main(["compil"]) == 2
    assert "usage: python -m sdgcities.web.i18n [compile | extract]" in capsys.readouterr().err
