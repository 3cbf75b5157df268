"""The certificate as a PDF: city, stage, date, code, and a QR code to its verification page.

Rendered from ``templates/certification/certificate_pdf.html`` with
:func:`sdgcities.documents.html_to_pdf` (offline) and :func:`sdgcities.documents.qr_svg`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sdgcities.certification.service import VERIFY_PATH, find_certificate, verify


def verification_url(code: str, base_url: str = "") -> str:
    return base_url.rstrip("/") + VERIFY_PATH.format(code=code)


def certificate_html(session: Session, code: str, *, base_url: str = "") -> str:
    from sdgcities.documents import qr_svg
    from sdgcities.web.templating import render_fragment

    v = verify(session, code)
    url = verification_url(v.code, base_url)
    return str(
        render_fragment(
            "certification/certificate_pdf.html",
            {"v": v, "url": url, "qr": qr_svg(url, scale=4, title=url)},
        )
    )


def certificate_pdf(session: Session, code: str, *, base_url: str = "") -> bytes:
    """The PDF of the certificate ``code`` (NotFoundError when there is none)."""
    from sdgcities.documents import html_to_pdf

    find_certificate(session, code)
    return html_to_pdf(certificate_html(session, code, base_url=base_url))
