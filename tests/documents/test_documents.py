"""The shared document helpers: a real PDF, read back; a QR code that decodes to its URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdgcities import documents


def test_pdf_renders_text_and_pages() -> None:
    html = "<h1>Certificate</h1><p style='page-break-after: always'>Kisumu</p><p>page two</p>"
    pdf = documents.html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")
    assert documents.pdf_page_count(pdf) == 2
    text = documents.pdf_text(pdf)
    assert "Certificate" in text
    assert "page two" in text


def test_pdf_never_fetches_the_network() -> None:
    # the image is not fetched: WeasyPrint logs and leaves it out, the PDF still renders
    pdf = documents.html_to_pdf('<img src="https://example.org/x.png"><p>offline</p>')
    assert "offline" in documents.pdf_text(pdf)


def test_qr_code_is_the_url() -> None:
    svg = documents.qr_svg("https://sdgcities.example/verify/ABC-123")
    assert svg.startswith("<svg")
    assert "verify/ABC-123" in svg
    assert documents.qr_png("x").startswith(b"\x89PNG")
    assert documents.qr_png_data_uri("x").startswith("data:image/png;base64,")


def test_pdf_pages_render_to_png(tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(documents.html_to_pdf("<h1 style='font-size:80px'>Not blank</h1>"))
    try:
        pngs = documents.pdf_to_pngs(pdf, tmp_path / "png")
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    assert len(pngs) == 1
    assert pngs[0].stat().st_size > 500
