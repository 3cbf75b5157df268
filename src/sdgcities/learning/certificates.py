"""The certificate as a document: a one-page A4 landscape PDF with a QR code.

The QR code holds the public verification URL ``{base}/learn/verify/{code}``; the PDF is
rendered offline by :func:`sdgcities.documents.html_to_pdf`.
"""

from __future__ import annotations

from html import escape

from sdgcities.documents import html_to_pdf, qr_png_data_uri
from sdgcities.learning.models import Certificate

ISSUER = "UN-Habitat Learn — SDG Cities platform"


def verify_url(base_url: str, code: str) -> str:
    """The absolute public verification URL of a certificate."""
    return f"{base_url.rstrip('/')}/learn/verify/{code}"


def _hours(hours: float) -> str:
    return f"{hours:g}"


def certificate_html(cert: Certificate, *, base_url: str) -> str:
    url = verify_url(base_url, cert.code)
    revoked = '<p class="revoked">REVOKED</p>' if cert.status == "revoked" else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate {escape(cert.code)}</title>
<style>
@page {{ size: A4 landscape; margin: 18mm; }}
body {{ font-family: "DejaVu Sans", sans-serif; color: #1b2a3a; text-align: center; }}
.frame {{ border: 3px solid #0b5ed7; padding: 14mm 12mm; height: 150mm; position: relative; }}
h1 {{ font-size: 26pt; margin: 0 0 6mm; letter-spacing: 0.04em; }}
.holder {{ font-size: 24pt; font-weight: bold; margin: 6mm 0; }}
.course {{ font-size: 17pt; margin: 4mm 0; }}
.meta {{ font-size: 11pt; margin-top: 8mm; }}
.verify {{ position: absolute; right: 10mm; bottom: 8mm; text-align: right; font-size: 9pt; }}
.verify img {{ width: 32mm; height: 32mm; display: block; margin-left: auto; }}
.code {{ font-family: "DejaVu Sans Mono", monospace; font-size: 12pt; }}
.revoked {{ color: #b00020; font-size: 20pt; font-weight: bold; }}
</style></head>
<body><div class="frame">
<h1>Certificate of completion</h1>
{revoked}
<p>This certifies that</p>
<p class="holder">{escape(cert.holder_name)}</p>
<p>has completed the course</p>
<p class="course">{escape(cert.course_title)}</p>
<p class="meta">Date: {cert.issued_at.date().isoformat()} · Learning hours: {_hours(cert.hours)}</p>
<p class="meta">{escape(ISSUER)}</p>
<div class="verify"><img src="{qr_png_data_uri(url, scale=8)}" alt="QR code of {escape(url)}">
<p>Certificate code <span class="code">{escape(cert.code)}</span><br>
Verify at {escape(url)}</p></div>
</div></body></html>"""


def certificate_pdf(cert: Certificate, *, base_url: str) -> bytes:
    """The certificate's PDF (WeasyPrint, offline)."""
    return html_to_pdf(certificate_html(cert, base_url=base_url))
