"""The Executive Board report on the flagship programmes, generated from the store.

Per programme: overview, alignment with the strategic plan 2020–2023, strategy,
partnership development, progress and way forward (the report's structure), with the
external opportunities-and-challenges tables and the money tables. The five prose parts
are narrative blocks (:mod:`sdgcities.reporting.narrative`, document ``board``, subject
the programme's key): their default is the report's paragraphs, and an edit is kept
across regenerations. Every figure is traceable: a funding line by its record id
(``FL-12``), a figure or a fact by its paragraph in the report (``¶50``).

HTML (Jinja2), PDF (WeasyPrint, offline, :func:`sdgcities.documents.html_to_pdf`) and
DOCX (python-docx: the same headings, tables and narrative).
"""

from __future__ import annotations

import io
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sdgcities.errors import ValidationError
from sdgcities.programmes import service
from sdgcities.programmes import vocabulary as vocab
from sdgcities.reporting import narrative

DOCUMENT = "board"
#: the narrative blocks of each programme, in the report's order, with their headings
BLOCKS = {
    "overview": "Overview",
    "strategy": "Strategy",
    "partnership": "Partnership development",
    "progress": "Progress",
    "way_forward": "Way forward",
}
FORMATS = ("html", "pdf", "docx")
#: funding lines listed per programme (the largest); the rest are in the totals and the CSV
LISTED_LINES = 25


def default_blocks(detail: dict[str, Any]) -> dict[str, str]:
    """Each block's default: the report's paragraphs of that section, each with its ¶."""
    sections = detail.get("sections", {})
    return {
        key: "\n\n".join(f"{p['text']} (¶{p['paragraph']})" for p in sections.get(key, []))
        for key in BLOCKS
    }


def programme_blocks(session: Session, detail: dict[str, Any]) -> dict[str, str]:
    return narrative.blocks(session, DOCUMENT, detail["key"], default_blocks(detail))


def save_programme_block(
    session: Session, key: str, block: str, text: str, *, user: str = ""
) -> None:
    prog = service.get_programme(session, key, published_only=False)
    detail = service.programme_detail(session, prog)
    narrative.save_block(
        session, DOCUMENT, prog.key, block, text, allowed=default_blocks(detail), user=user
    )


def context(session: Session, *, published_only: bool = True) -> dict[str, Any]:
    programmes = []
    for prog in service.list_programmes(session, published_only=published_only):
        d = service.programme_detail(session, prog)
        d["blocks"] = programme_blocks(session, d)
        d["funding_lines"] = service.funding_lines(
            session, programme_id=prog.id, limit=LISTED_LINES, largest_first=True
        )
        d["lines_total"] = service.count_lines(session, prog.id)
        d["totals"] = service.totals(session, "status", programme_id=prog.id, published_only=False)
        programmes.append(d)
    return {
        "programmes": programmes,
        "block_titles": BLOCKS,
        "statuses": vocab.FUNDING_STATUSES,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "source": programmes[0]["source"] if programmes else "",
        "totals_all": service.totals(session, "status", published_only=published_only),
    }


def render_html(session: Session, *, published_only: bool = True) -> str:
    from sdgcities.web.templating import render_fragment

    return str(
        render_fragment("programmes/board.html", context(session, published_only=published_only))
    )


def render_pdf(session: Session, *, published_only: bool = True) -> bytes:
    from sdgcities.documents import html_to_pdf

    return html_to_pdf(render_html(session, published_only=published_only))


def _money(amount: float, currency: str, approximate: bool = False) -> str:
    return f"{'≈ ' if approximate else ''}{currency} {amount:,.0f}"


def render_docx(session: Session, *, published_only: bool = True) -> bytes:
    """The report as a Word document: the same headings, narrative and tables."""
    from docx import Document

    ctx = context(session, published_only=published_only)
    doc = Document()
    doc.add_heading(
        "Normative and operational activities of UN-Habitat: the flagship programmes", 0
    )
    doc.add_paragraph(
        f"Generated from the portfolio on {ctx['generated']}. Source: {ctx['source']}."
    )

    def table(head: list[str], rows: list[list[str]]) -> None:
        t = doc.add_table(rows=1, cols=len(head))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, head, strict=True):
            cell.text = text
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text

    for p in ctx["programmes"]:
        doc.add_heading(f"Flagship programme {p['number']}: {p['title']}", 1)
        for key, title in BLOCKS.items():
            doc.add_heading(title, 2)
            for para in (p["blocks"][key] or "—").split("\n\n"):
                doc.add_paragraph(para)
            if key == "overview":
                doc.add_heading("Alignment with the strategic plan 2020–2023", 2)
                table(
                    ["Code", "Domain of change or outcome", "Contribution", "Source"],
                    [
                        [
                            a["code"],
                            a["title"],
                            "main contribution" if a["contribution"] == "main" else "co-benefit",
                            f"¶{a['paragraph']}",
                        ]
                        for a in p["alignments"]
                    ],
                )
            if key == "partnership" and p["partners"]:
                table(
                    ["Partner", "Kind", "Role", "State", "Source"],
                    [
                        [
                            x["name"],
                            x["kind"],
                            x["role"],
                            x["state"],
                            " ".join(f"¶{n}" for n in x["paragraphs"]),
                        ]
                        for x in p["partners"]
                    ],
                )
            if key == "progress":
                doc.add_heading("Resources", 3)
                table(
                    ["Record", "Status", "Amount", "Donor", "Countries", "Year", "Source"],
                    [
                        [
                            f"FL-{f['id']}",
                            f["status"],
                            _money(f["amount"], f["currency"], f["approximate"]),
                            f["donor"] or "",
                            " ".join(f["countries"]),
                            str(f["year"] or ""),
                            f"¶{f['paragraph']}" if f["paragraph"] else f["source"],
                        ]
                        for f in p["funding_lines"]
                    ],
                )
                if p["lines_total"] > len(p["funding_lines"]):
                    doc.add_paragraph(
                        f"The {len(p['funding_lines'])} largest of {p['lines_total']} funding "
                        f"lines; all are in the totals and in /programmes/{p['key']}/"
                        "funding-lines.csv."
                    )
                for t in p["totals"]:
                    doc.add_paragraph(
                        f"Total {t['status']}: {_money(t['amount'], t['currency'])} "
                        f"({t['lines']} lines)"
                    )
                for f in p["figures"]:
                    money = _money(f["amount"], f["currency"], f["approximate"])
                    kind = f["kind"].replace("_", " ")
                    doc.add_paragraph(f"{kind}: {money} (¶{f['paragraph']})")
            if key == "way_forward":
                for t in p["tables"]:
                    doc.add_heading(
                        f"Table {t['number']}: external opportunities and challenges", 3
                    )
                    n = max(len(t["opportunities"]), len(t["challenges"]))
                    table(
                        ["Opportunities", "Challenges"],
                        [
                            [(t["opportunities"] + [""] * n)[i], (t["challenges"] + [""] * n)[i]]
                            for i in range(n)
                        ],
                    )
                if p["phases"]:
                    doc.add_heading("Phases", 3)
                    for ph in p["phases"]:
                        years = (
                            f" ({ph['start_year']}–{ph['end_year']})" if ph["start_year"] else ""
                        )
                        doc.add_paragraph(
                            f"{ph['label']}{years}: {ph['text']} (¶{ph['paragraph']})"
                        )
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write(session: Session, out: Path, *, published_only: bool = True) -> Path:
    """Write the report to ``out`` (.html, .pdf or .docx), atomically."""
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError(
            f"{out}: the Board report is written as .html, .pdf or .docx, "
            f"not {out.suffix or 'no suffix'!r}"
        )
    data: bytes
    if suffix == "html":
        data = render_html(session, published_only=published_only).encode("utf-8")
    elif suffix == "pdf":
        data = render_pdf(session, published_only=published_only)
    else:
        data = render_docx(session, published_only=published_only)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
