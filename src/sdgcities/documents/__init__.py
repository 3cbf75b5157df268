"""Documents the platform writes: PDF from HTML (WeasyPrint), QR codes (segno), DOCX.

One place for every domain that issues a certificate or a report (learning certificates,
SDG Cities certificates, the Voluntary Local Review, the Executive Board report), so that
fonts, page set-up and the offline rule are the same everywhere:

* :func:`html_to_pdf` renders HTML with WeasyPrint and never fetches a URL from the
  network: only ``file:`` and ``data:`` URLs resolve (images and CSS are inlined or read
  from the package's static folder); anything else is refused and logged.
* :func:`qr_svg` and :func:`qr_png_data_uri` make a QR code of a verification URL.
* :func:`pdf_page_count` and :func:`pdf_text` read a PDF back (pypdf; for tests and checks).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: the package's static folder: CSS and images a document may use via ``file:`` URLs
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def _offline_fetcher() -> Any:
    """WeasyPrint's URL fetcher, restricted to ``file:`` and ``data:`` URLs."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"file", "data"}, timeout=2)


def html_to_pdf(html: str, *, base_url: Path | str | None = None) -> bytes:
    """The PDF of ``html`` (WeasyPrint), resolving relative URLs against ``base_url``."""
    from weasyprint import HTML

    base = str(base_url) if base_url is not None else str(STATIC)
    out: bytes = HTML(string=html, base_url=base, url_fetcher=_offline_fetcher()).write_pdf()
    return out


def qr_svg(data: str, *, scale: int = 4, title: str = "") -> str:
    """An inline SVG QR code of ``data`` (error correction M), with an accessible title."""
    import segno

    svg: str = segno.make(data, error="m").svg_inline(scale=scale, title=title or data)
    return svg


def qr_png_data_uri(data: str, *, scale: int = 6) -> str:
    """A ``data:image/png`` URI of a QR code of ``data`` (for PDF and DOCX documents)."""
    import segno

    uri: str = segno.make(data, error="m").png_data_uri(scale=scale)
    return uri


def qr_png(data: str, *, scale: int = 6) -> bytes:
    """PNG bytes of a QR code of ``data`` (python-docx takes images as files)."""
    import segno

    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=scale)
    return buf.getvalue()


def pdf_page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def pdf_text(pdf: bytes) -> str:
    """The text of every page of ``pdf``, pages separated by form feeds."""
    from pypdf import PdfReader

    return "\f".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_to_pngs(pdf: Path, out_dir: Path, *, dpi: int = 50) -> list[Path]:
    """Render every page of ``pdf`` to PNG with poppler's ``pdftoppm`` (for tests)."""
    import shutil
    import subprocess

    exe = shutil.which("pdftoppm")
    if exe is None:
        raise FileNotFoundError("pdftoppm not found: run `make setup` (installs poppler-utils)")
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(out_dir / "page")], check=True)
    return sorted(out_dir.glob("page*.png"))
