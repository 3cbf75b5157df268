"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential``.

The shape follows 1EdTech Open Badges Specification 3.0 (§ OpenBadgeCredential,
AchievementSubject, Achievement, Profile) on the W3C Verifiable Credentials Data Model
2.0: ``@context`` is the VC 2.0 context then the OB 3.0.3 context; ``type`` holds
``VerifiableCredential`` and ``OpenBadgeCredential``; the issuer is a ``Profile``;
``validFrom`` is the completion time; the subject is identified by a salted SHA-256
hash of the holder's e-mail (an ``IdentityObject``), never the e-mail itself.

**Unsigned**: the credential carries no ``proof``. It is a faithful export of the
platform's record, to be verified against the public page (``id`` resolves to it);
signing (Data Integrity ``eddsa-rdfc-2022`` or VC-JWT) needs an issuer key the platform
does not manage yet.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sdgcities.learning.certificates import ISSUER, verify_url
from sdgcities.learning.models import Certificate, Course

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _iso(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def identity_hash(email: str, salt: str) -> str:
    """``sha256$`` + hex SHA-256 of the e-mail followed by the salt (OB 3.0 IdentityHash)."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def open_badge(cert: Certificate, course: Course, *, email: str, base_url: str) -> dict[str, Any]:
    """The ``OpenBadgeCredential`` (JSON-LD) of ``cert``; see the module docstring."""
    base = base_url.rstrip("/")
    salt = cert.code
    criteria = (
        "View every lesson of the course and pass each of its assessments at its pass mark"
        + (
            ", and attend the face-to-face sessions (marked by a trainer)"
            if course.format == "blended"
            else ""
        )
        + "."
    )
    credential: dict[str, Any] = {
        "@context": CONTEXT,
        "id": verify_url(base, cert.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{course.title} — certificate of completion",
        "issuer": {
            "id": f"{base}/learn",
            "type": ["Profile"],
            "name": ISSUER,
            "url": f"{base}/learn",
        },
        "validFrom": _iso(cert.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": f"{base}/learn/courses/{course.slug}",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": course.title,
                "description": course.summary or course.title,
                "criteria": {"narrative": criteria},
                "inLanguage": course.language,
            },
        },
    }
    if cert.status == "revoked" and cert.revoked_at is not None:
        credential["validUntil"] = _iso(cert.revoked_at)
    return credential
