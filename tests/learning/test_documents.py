"""Certificates as PDF (text read back, QR decoded where a decoder is installed), the
Open Badges 3.0 credential against the schema derived from the spec, CSV in and out,
xAPI, and the reports' counts (hand-checked)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.accounts.users import create_user, find_user_by_email, get_user
from sdgcities.capacity.models import CatalogueUsage
from sdgcities.documents import pdf_text
from sdgcities.errors import ValidationError
from sdgcities.learning import reports, transfer
from sdgcities.learning import service as svc
from sdgcities.learning.certificates import certificate_pdf
from sdgcities.learning.models import Enrolment
from sdgcities.store.db import transaction
from tests.learning.conftest import PASSWORD, write_course

SCHEMA = Path(__file__).parent.parent / "fixtures" / "openbadges"


def _complete(store: Engine, tmp_path: Path, email: str = "amina@learner.example") -> str:
    with transaction(store) as s:
        try:
            course = svc.get_course(s, "test-course")
        except Exception:
            course, _ = svc.import_course(s, write_course(tmp_path))
        user = get_user(s, email)
        svc.enrol(s, course, user, actor=user)
        svc.view_lesson(s, course, user, 1)
        svc.view_lesson(s, course, user, 2)
        svc.submit_attempt(s, course, user, 1, [1, 1, 1, 1])
        (cert,) = svc.certificates_of(s, user)
        return cert.code


def test_certificate_pdf_reads_back_with_code_and_qr(store: Engine, tmp_path: Path) -> None:
    code = _complete(store, tmp_path)
    with transaction(store) as s:
        pdf = certificate_pdf(svc.find_certificate(s, code), base_url="https://learn.example")
    text = pdf_text(pdf)
    assert "Amina Otieno" in text
    assert "Test course" in text
    assert code in text
    assert f"https://learn.example/learn/verify/{code}" in text
    assert datetime.now(UTC).date().isoformat() in text
    from pypdf import PdfReader

    images = [img for page in PdfReader(io.BytesIO(pdf)).pages for img in page.images]
    assert len(images) == 1  # the QR code
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp decodes the QR independently")
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].data)))
    assert [b.text for b in found] == [f"https://learn.example/learn/verify/{code}"]


def test_open_badge_fits_the_ob3_schema(store: Engine, tmp_path: Path) -> None:
    import jsonschema

    code = _complete(store, tmp_path)
    with transaction(store) as s:
        badge = svc.badge_of(s, svc.find_certificate(s, code), base_url="https://learn.example")
    schema = json.loads(
        (SCHEMA / "ob_v3p0_openbadgecredential_required.schema.json").read_text("utf-8")
    )
    jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    ).validate(badge)
    assert "proof" not in badge  # unsigned, as documented
    ident = badge["credentialSubject"]["identifier"][0]
    assert "amina" not in json.dumps(badge)  # no e-mail, hashed
    assert (
        ident["identityHash"]
        == "sha256$"
        + hashlib.sha256(("amina@learner.example" + ident["salt"]).encode()).hexdigest()
    )
    # a spec example of the IdentityHash: 'a@example.com' salted with 'Kosher'
    from sdgcities.learning.badges import identity_hash

    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_completions_import_is_all_or_nothing(store: Engine, tmp_path: Path) -> None:
    with transaction(store) as s:
        svc.import_course(s, write_course(tmp_path))
    csv_path = tmp_path / "done.csv"
    csv_path.write_text(
        "course,email,name,completed_on,sex,country,organisation_type\n"
        "test-course,amina@learner.example,,2026-03-01,female,KEN,academia\n"
        "test-course,new@learner.example,New Learner,2026-03-02,male,NPL,ngo_cso\n"
        "no-course,bo@learner.example,,2026-3-2,,,\n",
        encoding="utf-8",
    )
    with transaction(store) as s:
        hub = get_user(s, "hub@hub.example")
        with pytest.raises(ValidationError) as err:
            transfer.import_completions(s, csv_path, actor=hub, create_learners=True)
    where = {(f.row, f.column) for f in err.value.findings}
    assert where == {(4, "course"), (4, "completed_on")}
    with transaction(store) as s:
        assert s.scalar(select(func.count()).select_from(Enrolment)) == 0
        assert find_user_by_email(s, "new@learner.example") is None
    # without --create-learners the unknown e-mail is refused, by row and column
    csv_path.write_text("\n".join(csv_path.read_text().splitlines()[:3]) + "\n", "utf-8")
    with transaction(store) as s, pytest.raises(ValidationError) as err:
        transfer.import_completions(s, csv_path, actor=get_user(s, "hub@hub.example"))
    assert [(f.row, f.column) for f in err.value.findings] == [(3, "email")]
    with transaction(store) as s:
        res = transfer.import_completions(
            s, csv_path, actor=get_user(s, "hub@hub.example"), create_learners=True
        )
        assert (res.imported, res.created_learners) == (2, ["new@learner.example"])
        usage = s.scalar(select(CatalogueUsage).where(CatalogueUsage.month == "2026-03"))
        assert usage is not None
        assert (usage.enrolments, usage.completions) == (2, 2)
    with transaction(store) as s:  # the same file again: nothing new
        res = transfer.import_completions(s, csv_path, actor=get_user(s, "hub@hub.example"))
        assert (res.imported, res.skipped) == (0, 2)
        out = transfer.completions_csv(s)
        statements = transfer.xapi_statements(s, base_url="https://learn.example")
    lines = out.splitlines()
    assert lines[0].split(",") == list(transfer.EXPORT_COLUMNS)
    assert len(lines) == 3
    assert "amina@learner.example" in out
    assert "NPL" in out
    st = statements[0]
    assert st["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert st["object"]["id"] == "https://learn.example/learn/courses/test-course"
    assert (
        st["actor"]["mbox_sha1sum"]
        == hashlib.sha1(b"mailto:amina@learner.example", usedforsecurity=False).hexdigest()
    )


def test_report_counts_by_group_hand_checked(store: Engine, tmp_path: Path) -> None:
    """12 learners: 7 women (KEN, local gov), 5 men (NPL, academia); 6 women and 2 men
    complete. Period 2026-01-01..2026-06-30 (one man enrolled in July is outside)."""
    with transaction(store) as s:
        course, _ = svc.import_course(s, write_course(tmp_path, assessments=[]))
        hub = get_user(s, "hub@hub.example")
        people = [("f", i) for i in range(7)] + [("m", i) for i in range(5)]
        for sex, i in people:
            u = create_user(s, email=f"{sex}{i}@r.example", password=PASSWORD)
            female = sex == "f"
            svc.set_profile(
                s,
                u,
                sex="female" if female else "male",
                country="KEN" if female else "NPL",
                organisation_type="local_government" if female else "academia",
            )
            month = 7 if (not female and i == 4) else 2
            e, _ = svc.enrol(s, course, u, actor=hub, at=datetime(2026, month, 1, tzinfo=UTC))
            if (female and i < 6) or (not female and i < 2):
                svc._complete(s, e, datetime(2026, 3, 15, tzinfo=UTC))
    period = reports.Period(date(2026, 1, 1), date(2026, 6, 30))
    with transaction(store) as s:
        rep = reports.breakdown(s, period=period, min_cell=1)
        hidden = reports.breakdown(s, period=period)
    rows = {(r["dimension"], r["group"]): r for r in rep["rows"]}
    assert rep["totals"]["enrolments"] == 11
    assert rep["totals"]["completions"] == 8
    assert rep["totals"]["completion_rate"] == round(8 / 11, 4)
    f = rows[("sex", "female")]
    assert (f["enrolments"], f["completions"], f["completion_rate"]) == (7, 6, round(6 / 7, 4))
    m = rows[("sex", "male")]
    assert (m["enrolments"], m["completions"], m["completion_rate"]) == (4, 2, 0.5)
    assert rows[("country_group", "ldc")]["enrolments"] == 4  # Nepal is an LDC
    assert rows[("country_group", "other_countries")]["enrolments"] == 7
    assert rows[("organisation_type", "academia")]["completions"] == 2
    assert rows[("country", "KEN")]["completions"] == 6
    # with the default threshold of 5 the men's cells are hidden, the women's shown
    hrows = {(r["dimension"], r["group"]): r for r in hidden["rows"]}
    assert hrows[("sex", "male")]["enrolments"] is None
    assert hrows[("sex", "male")]["completion_rate"] is None
    assert hrows[("sex", "male")]["suppressed"] is True
    assert hrows[("sex", "female")]["completions"] == 6
    csv_text = reports.report_csv(hidden)
    assert csv_text.splitlines()[0].split(",") == list(reports.CSV_COLUMNS)
    assert "@" not in csv_text
