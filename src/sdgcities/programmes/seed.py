"""Read the flagship-programme report's text into a portfolio (pure: text in, dict out).

The source is the Executive Director's report *Normative and operational activities of
UN-Habitat: the flagship programmes* (Executive Board, second session of 2020, item 9),
as plain text extracted from the published PDF. The reader is built on the report's
structure, not on line positions:

* numbered paragraphs are the lines ``N. …`` whose N is the next paragraph number (so a
  sub-heading such as ``1. Development of the SDG Cities tools`` is not taken for
  paragraph 1); a line that is no heading, footnote or table continues the paragraph;
* ``I.``–``V.`` open programmes 1–5 and ``A.``–``D.`` their sections (overview,
  strategy, progress, way forward); "Alignment with the strategic plan" and
  "Partnership development" open sub-sections;
* tables 1–3 are two tab-separated cells (opportunities, challenges) of bullets; table 1
  has lost its bullet marks in the extraction, so its cells are split where a new
  sentence starts (and the import says so in ``interpreted``);
* alignments: in the alignment paragraphs, the clause that says the programme
  "contributes (mainly) to" or "is linked to" a domain of change gives the *main
  contribution* (the domain, the outcome codes it names, or all of the domain's outcomes
  when it says "its three outcomes"); the clause on "co-benefits" or "linkages" gives the
  *co-benefits* (the outcome codes named, else the domains named);
* money: every ``$N million`` with its kind from the words before it ("mobilization" →
  mobilised, "value of" → programme value, "concept notes … approved" → approved concept
  notes) and the countries named after it;
* countries by their names (ISO 3166 through ``pycountry``, plus the UN's own short
  names the report uses); partners by the names and aliases of the reviewed partner
  directory ``data/partners.yaml``.

Every fact keeps the number of the paragraph it came from. What the text does not say is
left empty and listed in ``interpreted``/``unread``, never guessed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sdgcities.programmes import vocabulary as vocab

SOURCE = (
    "UN-Habitat Executive Board, second session of 2020, item 9: Normative and operational "
    "activities of UN-Habitat: the flagship programmes (report of the Executive Director)"
)

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
_PROGRAMME = re.compile(r"^(I|II|III|IV|V)\.\s+Flagship programme (\d):\s*(.+?)\s*$")
_CONCLUSION = re.compile(r"^VI\.\s+Conclusion")
_SECTION = re.compile(
    r"^([A-D])\.\s+(Overview|Strategy|Progress|Way forward)\b.*flagship programme (\d)", re.I
)
_SUBSECTION = {
    "alignment": re.compile(r"^Alignment with the strategic plan", re.I),
    "partnership": re.compile(r"^Partnership development\s*$", re.I),
}
_PARA = re.compile(r"^(\d{1,3})\.\s+(.*)$")
_FOOTNOTE = re.compile(r"^(\*|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s")
_TABLE = re.compile(r"^Table (\d+)\s*$")
_ITEM = re.compile(r"^\s*-?\s*\(([a-z])\)\s*(.*)$")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)[.:]?\*\*[.:]?\s*(.*)$")
_MONEY = re.compile(r"\\?\$\s?(\d[\d,]*(?:\.\d+)?)\s*(million|billion)?")
_YEARS = re.compile(
    r"\*\*Years\s+(\d+)\s*[–-]\s*(\d+)\s*\((\d{4})\s*[–-]\s*(\d{4})\):?\*\*:?\s*(.*)"
)
_PHASE = re.compile(r"^Phase\s+(\d)\b,?\s*(.*)$")
_DOMAIN = re.compile(r"domains? of change\s+(\d(?:\s*(?:,|and)\s*\d)*)")
_OUTCOME = re.compile(r"(?<![\d.])([1-4]\.[1-3])(?![\d.]*\d)")
_SUPERSCRIPTS = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_TAGS = re.compile(r"<[^>]+>")
#: function words after which a capitalised word does not start a new table item
_JOINERS = frozenset(
    [
        "the",
        "of",
        "and",
        "with",
        "in",
        "by",
        "for",
        "to",
        "a",
        "an",
        "on",
        "at",
        "from",
        "between",
        "among",
        "into",
        "its",
        "their",
        "as",
        "or",
    ]
)

SECTION_NAMES = ("overview", "alignment", "strategy", "partnership", "progress", "way_forward")


@dataclass
class Paragraph:
    number: int
    programme: int | None
    section: str
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return _clean(" ".join(line.strip() for line in self.lines if line.strip()))


def _clean(text: str) -> str:
    text = _SUPERSCRIPTS.sub("", text.replace("\\$", "$"))
    text = re.sub(r"\s+", " ", text)
    return text.strip()


def _plain(text: str) -> str:
    """The text without Markdown bold marks or list dashes."""
    return _clean(text.replace("**", "")).lstrip("- ").strip()


def split_paragraphs(
    text: str,
) -> tuple[list[Paragraph], dict[int, dict[str, Any]], dict[int, str]]:
    """The numbered paragraphs, the tables (by number) and the programme titles."""
    paragraphs: list[Paragraph] = []
    tables: dict[int, dict[str, Any]] = {}
    titles: dict[int, str] = {}
    programme: int | None = None
    section = "introduction"
    current: Paragraph | None = None
    expect = 1
    table_no: int | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        i += 1
        if not line:
            continue
        m = _PROGRAMME.match(line)
        if m:
            programme = int(m.group(2))
            titles[programme] = m.group(3)
            section, current = "overview", None
            continue
        if _CONCLUSION.match(line):
            programme, section, current = None, "conclusion", None
            continue
        m = _SECTION.match(line)
        if m:
            section = {"o": "overview", "s": "strategy", "p": "progress", "w": "way_forward"}[
                m.group(2)[0].lower()
            ]
            current = None
            continue
        matched_sub = next((k for k, rx in _SUBSECTION.items() if rx.match(line)), None)
        if matched_sub:
            section, current = matched_sub, None
            continue
        m = _TABLE.match(line)
        if m:
            table_no = int(m.group(1))
            tables[table_no] = {
                "number": table_no,
                "programme": programme,
                "title": "",
                "opportunities": [],
                "challenges": [],
                "bulleted": True,
            }
            current = None
            continue
        if table_no is not None:
            table = tables[table_no]
            if "\t" in raw and "<ul" in raw:
                cells = raw.split("\t")
                for side, cell in zip(("opportunities", "challenges"), cells, strict=False):
                    items, bulleted = _table_items(cell)
                    table[side] = items
                    table["bulleted"] = table["bulleted"] and bulleted
                table_no = None
            elif "\t" in raw:  # the header row: Opportunities / Challenges
                pass
            elif not table["title"]:
                table["title"] = _clean(line)
            continue
        if _FOOTNOTE.match(line):
            current = None
            continue
        m = _PARA.match(line)
        if m and int(m.group(1)) == expect:
            current = Paragraph(expect, programme, section, [m.group(2)])
            paragraphs.append(current)
            expect += 1
            continue
        if m:  # "1. Development of …": a numbered sub-heading, not a paragraph
            current = None
            continue
        if current is not None:
            current.lines.append(raw)
        # a line outside any paragraph (a sub-heading, the report's header) is not a fact
    return paragraphs, tables, titles


def _table_items(cell: str) -> tuple[list[str], bool]:
    """The bullets of one table cell; without bullet marks, split where a sentence starts."""
    text = _clean(_TAGS.sub(" ", cell))
    if "•" in text:
        return [_clean(t) for t in text.split("•") if _clean(t)], True
    words = text.split(" ")
    items: list[list[str]] = [[]]
    for j, word in enumerate(words):
        prev = words[j - 1] if j else ""
        starts = (
            j > 0
            and re.match(r"^[A-Z][a-z]", word) is not None
            and re.match(r"^[a-z][a-z\-]*[a-z)]$", prev) is not None
            and prev not in _JOINERS
        )
        if starts:
            items.append([])
        items[-1].append(word)
    return [" ".join(w) for w in items if w], False


def _items(lines: Iterable[str]) -> list[tuple[str, str]]:
    """The lettered items ``(a) …`` of a paragraph: (letter, text), continuation joined."""
    out: list[list[str]] = []
    for raw in lines:
        m = _ITEM.match(raw)
        if m:
            out.append([m.group(1), m.group(2)])
        elif out and raw.strip():
            out[-1][1] += " " + raw.strip()
    return [(letter, _clean(text)) for letter, text in out]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.])\s+(?=[A-Z(])", text) if s]


# ---------------------------------------------------------------- countries and partners


@lru_cache(maxsize=1)
def _country_patterns() -> list[tuple[re.Pattern[str], str]]:
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value and "," not in value:
                names[value] = c.alpha_3
    names.update(vocab.COUNTRY_ALIASES)
    ordered = sorted(names, key=len, reverse=True)
    return [(re.compile(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])"), names[n]) for n in ordered]


def countries_in(text: str) -> list[str]:
    """ISO 3166-1 alpha-3 codes of the countries named in ``text``, in order of mention.

    Longest names first, each match blanked out, so "Democratic Republic of the Congo" is
    not also read as "Congo", nor "Papua New Guinea" as "Guinea".
    """
    return _named(text, _country_patterns())


def partners_in(text: str) -> list[str]:
    """Names (as in the directory) of the partners named in ``text``, in order of mention."""
    return _named(text, vocab.partner_patterns())


def _named(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> list[str]:
    """The values of the patterns (longest first) found in ``text``, in order of mention;
    each match is blanked out before the shorter patterns are tried."""
    found: list[tuple[int, str]] = []
    work = text
    for rx, value in patterns:
        for m in rx.finditer(work):
            found.append((m.start(), value))
        work = rx.sub(lambda m: " " * len(m.group(0)), work)
    return list(dict.fromkeys(value for _, value in sorted(found)))


# ---------------------------------------------------------------- facts of one programme


def _alignments(paras: list[Paragraph]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(code: str, contribution: str, p: int) -> None:
        if not any(a["code"] == code for a in out):
            out.append({"code": code, "contribution": contribution, "paragraph": p})

    for para in paras:
        text = para.text
        if "umbrella for integrated delivery" in text:
            add("plan", "main", para.number)
            continue
        for sentence in _sentences(text):
            cut = re.search(r"co-benefits|linkages exist", sentence)
            main_part = sentence[: cut.start()] if cut else sentence
            co_part = sentence[cut.start() :] if cut else ""
            if re.search(r"contributes|linked to", main_part):
                for dm in _DOMAIN.finditer(main_part):
                    for d in re.findall(r"\d", dm.group(1)):
                        add(f"D{d}", "main", para.number)
                        if re.search(r"its (three|\w+ )?outcomes", main_part):
                            for o in vocab.outcomes_of(int(d)):
                                add(o, "main", para.number)
                for code in _OUTCOME.findall(main_part):
                    add(code, "main", para.number)
            if co_part:
                codes = _OUTCOME.findall(co_part)
                if codes:
                    for code in codes:
                        add(code, "co_benefit", para.number)
                else:
                    for dm in _DOMAIN.finditer(co_part):
                        for d in re.findall(r"\d", dm.group(1)):
                            add(f"D{d}", "co_benefit", para.number)
    return out


def _expected_outcomes(paras: list[Paragraph]) -> list[dict[str, Any]]:
    for para in paras:
        if re.search(r"following outcomes|outcomes were defined", para.text):
            out = []
            for letter, text in _items(para.lines[1:]):
                m = _BOLD_LEAD.match(text)
                label, body = (m.group(1), m.group(2)) if m else ("", text)
                out.append(
                    {
                        "letter": letter,
                        "label": label.strip(),
                        "text": _plain(body),
                        "paragraph": para.number,
                    }
                )
            return out
    return []


def _objective(paras: list[Paragraph], number: int) -> dict[str, Any] | None:
    for rule in (r"\bobjective\b", rf"^Flagship programme {number}\b"):
        for para in paras:
            for sentence in _sentences(para.text):
                if re.search(rule, sentence):
                    head = re.split(r":\s*-?\s*\(a\)", sentence)[0]
                    return {
                        "text": head if head == sentence else head + ":",
                        "paragraph": para.number,
                    }
    return None


def _phases(paras: list[Paragraph]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for para in paras:
        for _letter, text in _items(para.lines[1:]):
            m = _YEARS.match(text)
            if m:
                out.append(
                    {
                        "position": len(out) + 1,
                        "label": f"Years {m.group(1)}–{m.group(2)}",
                        "start_year": int(m.group(3)),
                        "end_year": int(m.group(4)),
                        "text": _plain(m.group(5)),
                        "paragraph": para.number,
                    }
                )
                continue
            m = _PHASE.match(text)
            if m:
                out.append(
                    {
                        "position": int(m.group(1)),
                        "label": f"Phase {m.group(1)}",
                        "start_year": None,
                        "end_year": None,
                        "text": _plain(text),
                        "paragraph": para.number,
                    }
                )
    return out


def _targets(paras: list[Paragraph]) -> list[dict[str, Any]]:
    out = []
    for para in paras:
        for rx in (r"at least ([\d,]+) cities", r"reaching ([\d,]+) cities"):
            m = re.search(rx, para.text)
            if m:
                out.append(
                    {
                        "cities": int(m.group(1).replace(",", "")),
                        "text": m.group(0),
                        "paragraph": para.number,
                    }
                )
    return out


def _figures(paras: list[Paragraph]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    kinds = {p["name"]: p["kind"] for p in vocab.partner_directory()}
    for para in paras:
        funders = [n for n in partners_in(para.text) if kinds.get(n) == "financial_institution"]
        for sentence in _sentences(para.text):
            matches = list(_MONEY.finditer(sentence))
            for j, m in enumerate(matches):
                before = sentence[matches[j - 1].end() if j else 0 : m.start()]
                after = sentence[m.end() : matches[j + 1].start() if j + 1 < len(matches) else None]
                if re.search(r"mobili[sz]ation|mobili[sz]ed", before):
                    kind = "mobilised"
                elif re.search(r"value of", before):
                    kind = "programme_value"
                elif re.search(r"concept notes have been approved", before):
                    kind = "approved_concept_notes"
                else:
                    kind = "other"
                scale = {"million": 1e6, "billion": 1e9}.get(m.group(2) or "", 1.0)
                out.append(
                    {
                        "kind": kind,
                        "amount": float(m.group(1).replace(",", "")) * scale,
                        "currency": "USD",
                        "approximate": bool(re.search(r"approximately\s*$", before)),
                        "countries": countries_in(after),
                        "text": _clean(m.group(0) + after).rstrip(",;. "),
                        "donor": funders[0] if funders else None,
                        "paragraph": para.number,
                    }
                )
    return out


def _internal_challenges(paras: list[Paragraph]) -> list[dict[str, Any]]:
    for para in paras:
        if "internal challenges have been identified" in para.text:
            return [
                {"letter": letter, "text": _plain(text), "paragraph": para.number}
                for letter, text in _items(para.lines[1:])
            ]
    return []


def _geography(paras: list[Paragraph]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for para in paras:
        text = para.text
        if not re.search(
            r"geographical (prioritization|focus)|priority (countries and )?regions", text
        ):
            continue
        work = text
        for region in sorted(vocab.REGIONS, key=len, reverse=True):
            pos = work.find(region)
            if pos < 0:
                continue
            work = work.replace(region, " " * len(region))
            head = text[:pos]
            level = "secondary" if re.search(r"secondary focus[^.]*$", head) else "primary"
            if not any(g["region"] == region for g in out):
                out.append(
                    {
                        "region": region,
                        "level": level,
                        "paragraph": para.number,
                        "_pos": (para.number, pos),
                    }
                )
    out.sort(key=lambda g: g.pop("_pos"))
    return out


def _partners(paras: list[Paragraph]) -> list[dict[str, Any]]:
    by_name: dict[str, dict[str, Any]] = {}
    for para in paras:
        for sentence in _sentences(para.text):
            for name in partners_in(sentence):
                state = vocab.partnership_state(sentence, para.section)
                entry = by_name.setdefault(
                    name, {"name": name, "state": state, "paragraphs": [], "sections": []}
                )
                if vocab.STATES.index(state) > vocab.STATES.index(entry["state"]):
                    entry["state"] = state
                if para.number not in entry["paragraphs"]:
                    entry["paragraphs"].append(para.number)
                if para.section not in entry["sections"]:
                    entry["sections"].append(para.section)
    for entry in by_name.values():
        entry["role"] = vocab.role_of(entry["sections"])
    return list(by_name.values())


def parse(text: str) -> dict[str, Any]:
    """The portfolio the report states: five programmes, each fact with its paragraph."""
    paragraphs, tables, titles = split_paragraphs(text)
    interpreted: list[str] = []
    unread: list[str] = []
    programmes = []
    for number in sorted(titles):
        paras = [p for p in paragraphs if p.programme == number]
        by_section = {s: [p for p in paras if p.section == s] for s in SECTION_NAMES}
        programme_tables = [t for t in tables.values() if t["programme"] == number]
        for t in programme_tables:
            if not t["bulleted"]:
                interpreted.append(
                    f"table {t['number']}: no bullet marks survived the extraction; its cells "
                    "were split where a new sentence starts"
                )
        outcomes = _expected_outcomes(by_section["overview"])
        if not outcomes:
            unread.append(f"programme {number}: the report lists no expected outcomes")
        alignments = _alignments(by_section["alignment"])
        if any(a["code"] == "plan" for a in alignments):
            interpreted.append(
                f"programme {number}: 'an umbrella for integrated delivery against the different "
                "outcomes across the strategic plan' is read as a main contribution to the plan "
                "as a whole (code 'plan')"
            )
        phases = _phases(paras)
        if phases and phases[0]["start_year"] is None:
            interpreted.append(
                f"programme {number}: its phases carry no years in the report; none are given"
            )
        programmes.append(
            {
                "number": number,
                "key": vocab.PROGRAMME_KEYS[number],
                "title": titles[number],
                "objective": _objective(by_section["overview"], number),
                "expected_outcomes": outcomes,
                "alignments": alignments,
                "phases": phases,
                "targets": _targets(paras),
                "geographic_priorities": _geography(paras),
                "internal_challenges": _internal_challenges(paras),
                "figures": _figures(paras),
                "partners": _partners(paras),
                "tables": [
                    {k: t[k] for k in ("number", "title", "opportunities", "challenges")}
                    for t in programme_tables
                ],
                "sections": {
                    s: [{"paragraph": p.number, "text": p.text} for p in ps]
                    for s, ps in by_section.items()
                },
                "countries": [
                    {"iso3": c, "paragraph": p.number}
                    for p in by_section["progress"] + by_section["way_forward"]
                    for c in countries_in(p.text)
                ],
            }
        )
    return {
        "source": SOURCE,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "paragraphs": len(paragraphs),
        "programmes": programmes,
        "conclusion": [
            {"paragraph": p.number, "text": p.text} for p in paragraphs if p.section == "conclusion"
        ],
        "interpreted": interpreted,
        "unread": unread,
    }
