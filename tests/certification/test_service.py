"""Certification service: completeness (hand cases), workflow, rights, order, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, func, select

from sdgcities.certification import service
from sdgcities.certification.models import (
    Certificate,
    CertificationApplication,
    CertificationEvidence,
    CertificationLogEntry,
)
from sdgcities.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from sdgcities.store.db import transaction
from sdgcities.store.models import HexLayer, Observation
from tests.certification._seed import ADMIN, EDITOR, HUB, Seeded, user


def _stage1(engine: Engine, sd: Seeded, *, plan: bool = True) -> int:
    with transaction(engine) as s:
        ed = user(s, EDITOR)
        app = service.open_application(s, sd.slug_a, 1, actor=ed)
        service.add_evidence(s, app.id, "dataset", str(sd.import_id), actor=ed)
        service.add_evidence(s, app.id, "hex_layer", str(sd.layer_id), actor=ed)
        if plan:
            service.add_evidence(s, app.id, "approved_plan", "7", actor=ed)
        return app.id


def _met(engine: Engine, app_id: int) -> dict[str, bool]:
    with transaction(engine) as s:
        app = s.get(CertificationApplication, app_id)
        assert app is not None
        return {r.key: r.met for r in service.check_application(s, app).requirements}


def test_completeness_hand_case_stage1(engine: Engine, seeded: Seeded, plan_kind: None) -> None:
    # seeded: 10 indicators with sourced published values in 2015 and 2022 → 10 ≥ 10
    with transaction(engine) as s:
        result = service.check_city(s, seeded.slug_a, 1)
    by_key = {r.key: r for r in result.requirements}
    assert by_key["baseline_indicators"].met
    assert by_key["baseline_indicators"].explanation.startswith("10 indicator(s)")
    assert by_key["baseline_year"].explanation == "baseline year 2015"
    assert not by_key["datasets"].met
    assert not result.complete
    app_id = _stage1(engine, seeded)
    assert all(_met(engine, app_id).values())


def test_completeness_counts_only_sourced_published_values(engine: Engine) -> None:
    from tests.certification._seed import seed

    sd = seed(engine, n_indicators=9)  # one short of the 10 needed
    with transaction(engine) as s:
        r = service.check_city(s, sd.slug_a, 1)
    assert not {x.key: x.met for x in r.requirements}["baseline_indicators"]
    assert "9 indicator(s)" in r.requirements[0].explanation


def test_missing_plan_is_refused_and_reported(engine: Engine, seeded: Seeded) -> None:
    """The plan's resolver comes from the planning domain (sdgcities.links): a plan
    version that does not exist is refused by name, and stage 1 cannot pass without one."""
    app_id = _stage1(engine, seeded, plan=False)
    with transaction(engine) as s, pytest.raises(NotFoundError, match="no approved_plan record"):
        service.add_evidence(s, app_id, "approved_plan", "7", actor=user(s, EDITOR))
    with transaction(engine) as s:
        app = s.get(CertificationApplication, app_id)
        assert app is not None
        result = service.check_application(s, app)
    plan = next(r for r in result.requirements if r.key == "strategic_plan")
    assert not plan.met
    with transaction(engine) as s, pytest.raises(ValidationError) as err:
        service.submit(s, app_id, actor=user(s, EDITOR))
    assert any(f.column == "strategic_plan" for f in err.value.findings)


def test_full_workflow_and_audit_trail(engine: Engine, seeded: Seeded, plan_kind: None) -> None:
    app_id = _stage1(engine, seeded)
    with transaction(engine) as s:
        service.submit(s, app_id, actor=user(s, EDITOR), comment="ready")
        service.review(s, app_id, "request_changes", actor=user(s, HUB), comment="add notes")
    with transaction(engine) as s:
        service.submit(s, app_id, actor=user(s, EDITOR))
        app = service.review(s, app_id, "approve", actor=user(s, HUB))
        assert app.state == "approved"
        cert = service.certificate_of(s, app_id)
        assert cert is not None
        assert cert.stage == 1
        actions = [e.action for e in service.history(s, app_id)]
        assert service.stages_reached(s, seeded.a) == [1]
    assert actions == [
        "open", "add_evidence", "add_evidence", "add_evidence", "submit", "request_changes",
        "submit", "approve", "issue_certificate",
    ]  # fmt: skip


def test_wrong_roles_are_refused(engine: Engine, seeded: Seeded, plan_kind: None) -> None:
    app_id = _stage1(engine, seeded)
    with transaction(engine) as s:
        with pytest.raises(PermissionDeniedError):
            service.open_application(s, seeded.slug_a, 1, actor=user(s, "editor-b@example.org"))
        with pytest.raises(PermissionDeniedError):
            service.submit(s, app_id, actor=user(s, HUB))  # reviewers do not submit
        service.submit(s, app_id, actor=user(s, EDITOR))
    for who in (EDITOR, "other-hub@example.org", "global@example.org"):
        with transaction(engine) as s, pytest.raises((PermissionDeniedError, NotFoundError)):
            service.review(s, app_id, "approve", actor=user(s, who))
    with transaction(engine) as s:
        assert s.get(CertificationApplication, app_id).state == "in_review"  # type: ignore[union-attr]
        service.review(s, app_id, "approve", actor=user(s, ADMIN))  # admins may


def test_transitions_out_of_order_are_refused(
    engine: Engine, seeded: Seeded, plan_kind: None
) -> None:
    app_id = _stage1(engine, seeded)
    with transaction(engine) as s, pytest.raises(ConflictError, match="allowed now: submit"):
        service.review(s, app_id, "approve", actor=user(s, HUB))
    with transaction(engine) as s:
        service.submit(s, app_id, actor=user(s, EDITOR))
    with transaction(engine) as s, pytest.raises(ValidationError, match="decline"):
        service.review(s, app_id, "decline", actor=user(s, HUB), comment="  ")
    with transaction(engine) as s:
        service.review(s, app_id, "decline", actor=user(s, HUB), comment="no participation")
    with transaction(engine) as s, pytest.raises(ConflictError):
        service.submit(s, app_id, actor=user(s, EDITOR))  # declined is final


def test_stages_are_reached_in_order(engine: Engine, seeded: Seeded) -> None:
    with transaction(engine) as s, pytest.raises(ConflictError, match="stage 1 must be approved"):
        service.open_application(s, seeded.slug_a, 2, actor=user(s, EDITOR))
    with transaction(engine) as s, pytest.raises(NotFoundError, match="stages are 1 to 4"):
        service.open_application(s, seeded.slug_a, 5, actor=user(s, EDITOR))


def _approve_stage(engine: Engine, sd: Seeded, stage: int, evidence: list[tuple[str, str]]) -> int:
    with transaction(engine) as s:
        ed = user(s, EDITOR)
        app = service.open_application(s, sd.slug_a, stage, actor=ed)
        for kind, ref in evidence:
            service.add_evidence(s, app.id, kind, ref, actor=ed)
        service.submit(s, app.id, actor=ed)
        service.review(s, app.id, "approve", actor=user(s, HUB))
        return app.id


def test_stage3_and_4_rules(engine: Engine, seeded: Seeded, plan_kind: None) -> None:
    app1 = _stage1(engine, seeded)
    with transaction(engine) as s:
        service.submit(s, app1, actor=user(s, EDITOR))
        service.review(s, app1, "approve", actor=user(s, HUB))
    # stage 2: the institutional assessment has no resolver yet → cannot pass
    with transaction(engine) as s:
        r = service.check_city(s, seeded.slug_a, 2)
        assert not r.complete
    # make stage 2 reached directly so stages 3 and 4 can be checked
    with transaction(engine) as s:
        app2 = CertificationApplication(city_id=seeded.a, stage=2, state="approved")
        s.add(app2)
        s.flush()
        s.add(Certificate(code="TEST-STAGE-2", application_id=app2.id, city_id=seeded.a, stage=2))
    with transaction(engine) as s:
        ed = user(s, EDITOR)
        app3 = service.open_application(s, seeded.slug_a, 3, actor=ed)
        service.add_evidence(
            s, app3.id, "investment_project", str(seeded.early_project_id), actor=ed
        )
        result = service.check_application(s, app3)
        item = result.requirements[0].items[0]
        assert not item.counts
        assert "ideation; feasibility or later" in item.problem
        service.add_evidence(s, app3.id, "investment_project", str(seeded.project_id), actor=ed)
        assert service.check_application(s, app3).complete
    # stage 4: project started 2018; the indicator has published values 2015 and 2022
    with transaction(engine) as s:
        app3_obj = s.get(CertificationApplication, app3.id)
        assert app3_obj is not None
        service.submit(s, app3.id, actor=user(s, EDITOR))
        service.review(s, app3.id, "approve", actor=user(s, HUB))
        ed = user(s, EDITOR)
        app4 = service.open_application(s, seeded.slug_a, 4, actor=ed)
        ref = f"{seeded.project_id}/{seeded.codes[0]}"
        service.add_evidence(s, app4.id, "before_after", ref, actor=ed)
        res = service.check_application(s, app4)
        assert res.complete, res.as_dict()
        assert res.requirements[0].items[0].record.status == "before 2015, after 2022"  # type: ignore[union-attr]


def test_deleted_record_blocks_and_names_it(
    engine: Engine, seeded: Seeded, plan_kind: None
) -> None:
    app_id = _stage1(engine, seeded)
    with transaction(engine) as s:
        s.execute(delete(HexLayer).where(HexLayer.id == seeded.layer_id))
    with transaction(engine) as s:
        app = s.get(CertificationApplication, app_id)
        assert app is not None
        result = service.check_application(s, app)
    assert not result.complete
    assert any(
        f"hex_layer {seeded.layer_id}" in e and "no longer exists" in e for e in result.errors
    )
    with transaction(engine) as s, pytest.raises(ValidationError, match="not complete"):
        service.submit(s, app_id, actor=user(s, EDITOR))
    with transaction(engine) as s:
        assert s.get(CertificationApplication, app_id).state == "draft"  # type: ignore[union-attr]
        n_log = s.scalar(select(func.count()).select_from(CertificationLogEntry))
    assert n_log == 4  # open + 3 evidence; the refused submit wrote nothing


def test_deleted_after_submission_blocks_approval(
    engine: Engine, seeded: Seeded, plan_kind: None
) -> None:
    app_id = _stage1(engine, seeded)
    with transaction(engine) as s:
        service.submit(s, app_id, actor=user(s, EDITOR))
        s.execute(delete(Observation).where(Observation.import_id == seeded.import_id))
    with transaction(engine) as s, pytest.raises(ValidationError):
        service.review(s, app_id, "approve", actor=user(s, HUB))
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0


def test_bad_evidence_is_refused(engine: Engine, seeded: Seeded) -> None:
    with transaction(engine) as s:
        ed = user(s, EDITOR)
        app = service.open_application(s, seeded.slug_a, 1, actor=ed)
        app_id = app.id
    cases = [
        ("hex_layer", "999999", NotFoundError, "no hex_layer record"),
        ("hex_layer", str(seeded.layer_b), ValidationError, "another city"),
        ("revenue_diagnostic", str(seeded.revenue_id), ValidationError, "does not ask for"),
        ("hex_layer", "", ValidationError, "reference"),
    ]
    for kind, ref, exc, words in cases:
        with transaction(engine) as s, pytest.raises(exc, match=words):
            service.add_evidence(s, app_id, kind, ref, actor=user(s, EDITOR))
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(CertificationEvidence)) == 0


def test_verify_revoke_and_unknown_codes(engine: Engine, seeded: Seeded, plan_kind: None) -> None:
    app_id = _stage1(engine, seeded)
    with transaction(engine) as s:
        service.submit(s, app_id, actor=user(s, EDITOR))
        service.review(s, app_id, "approve", actor=user(s, HUB))
        code = service.certificate_of(s, app_id).code  # type: ignore[union-attr]
    with transaction(engine) as s:
        v = service.verify(s, code.lower())
        assert (v.city_name, v.stage, v.status) == ("Kisumu", 1, "valid")
        with pytest.raises(NotFoundError, match="check symbol"):
            service.verify(s, code[:-1] + ("0" if code[-1] != "0" else "1"))
        with pytest.raises(NotFoundError, match="no certificate has the code"):
            service.verify(s, "0000-0000-0000-0000-001Y")
        with pytest.raises(PermissionDeniedError):
            service.revoke(s, code, actor=user(s, HUB), reason="x")
        with pytest.raises(ValidationError):
            service.revoke(s, code, actor=user(s, ADMIN), reason=" ")
        service.revoke(s, code, actor=user(s, ADMIN), reason="issued in error")
    with transaction(engine) as s:
        v = service.verify(s, code)
        assert v.status == "revoked"
        assert v.revoked_reason == "issued in error"
        assert service.stages_reached(s, seeded.a) == []
