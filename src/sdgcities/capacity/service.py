"""Use cases of the capacity-building domain: the strategy's implementation plan.

Each function takes a session and flushes; the caller commits, so an import is
all-or-nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.capacity.models import CapacityPlan, PlanBudgetLine, PlanItem
from sdgcities.capacity.plan import ParsedPlan, PlanNode, parse_plan_table, parse_plan_text
from sdgcities.errors import Finding, NotFoundError, ValidationError

__all__ = ["import_plan", "plan_as_dict", "plan_progress", "read_plan"]


def read_plan(path: Path) -> ParsedPlan:
    """Parse a plan file: the report's text (.txt/.md) or a spreadsheet (.csv/.xlsx)."""
    if not path.exists():
        raise ValidationError(
            f"{path}: no such file",
            [Finding("the file does not exist", file=str(path), fix="check the path")],
        )
    if path.is_dir():
        raise ValidationError(
            f"{path} is a folder",
            [Finding("a folder, not a file", file=str(path), fix="give the plan file")],
        )
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
        return parse_plan_table(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValidationError(
            f"{path.name} is not UTF-8 text",
            [Finding(str(err), file=path.name, fix="save the report's text as UTF-8")],
        ) from err
    return parse_plan_text(text, source=path.name)


def import_plan(session: Session, path: Path, *, user: str = "") -> CapacityPlan:
    """Store a plan read from ``path`` (a new plan; earlier imports stay as they were)."""
    parsed = read_plan(path)
    plan = CapacityPlan(
        title=parsed.title,
        source_file=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        unread=parsed.unread,
        interpreted=parsed.interpreted,
        imported_by=user,
    )
    session.add(plan)
    session.flush()
    position = 0

    def add(node: PlanNode, parent: PlanItem | None) -> None:
        nonlocal position
        position += 1
        item = PlanItem(
            plan_id=plan.id,
            parent_id=parent.id if parent else None,
            level=node.level,
            code=node.code,
            position=position,
            text=node.text,
            category=node.category,
            years=node.years,
            status=node.status,
            key_activities=node.key_activities,
            source_line=node.source_line,
            notes=node.notes,
        )
        session.add(item)
        session.flush()
        for child in node.children:
            add(child, item)

    for objective in parsed.objectives:
        add(objective, None)
    for b in parsed.budget:
        session.add(
            PlanBudgetLine(
                plan_id=plan.id,
                item=b.item,
                amount=b.amount,
                currency=b.currency,
                year=b.year,
                funding=b.funding,
                paragraph=b.paragraph,
            )
        )
    session.flush()
    return plan


def _latest(session: Session, plan_id: int | None) -> CapacityPlan:
    plan = (
        session.get(CapacityPlan, plan_id)
        if plan_id is not None
        else session.scalar(select(CapacityPlan).order_by(CapacityPlan.id.desc()))
    )
    if plan is None:
        raise NotFoundError(
            "no implementation plan in the store: "
            "import one with `sdgcities capacity plan import FILE`"
        )
    return plan


def _action(item: PlanItem, output: PlanItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "output": output.code,
        "text": item.text,
        "category": item.category,
        "years": item.years,
        "status": item.status,
        "key_activities": output.key_activities,
        "source_line": item.source_line,
        "notes": item.notes,
    }


def plan_as_dict(session: Session, plan_id: int | None = None) -> dict[str, Any]:
    """The plan as objectives → outcomes → actions (outputs listed beside the actions)."""
    plan = _latest(session, plan_id)
    items = session.scalars(
        select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)
    ).all()
    children: dict[int | None, list[PlanItem]] = {}
    for it in items:
        children.setdefault(it.parent_id, []).append(it)
    objectives = []
    for obj in children.get(None, []):
        outcomes = []
        for oc in children.get(obj.id, []):
            outputs: list[dict[str, Any]] = []
            actions: list[dict[str, Any]] = []
            for op in children.get(oc.id, []):
                outputs.append(
                    {"code": op.code, "text": op.text, "key_activities": op.key_activities}
                )
                actions.extend(_action(a, op) for a in children.get(op.id, []))
            outcomes.append(
                {"code": oc.code, "text": oc.text, "outputs": outputs, "actions": actions}
            )
        objectives.append({"code": obj.code, "text": obj.text, "outcomes": outcomes})
    budget = session.scalars(select(PlanBudgetLine).where(PlanBudgetLine.plan_id == plan.id)).all()
    return {
        "plan": plan.title,
        "source_file": plan.source_file,
        "sha256": plan.sha256,
        "objectives": objectives,
        "budget": [
            {
                "item": b.item,
                "amount": b.amount,
                "currency": b.currency,
                "year": b.year,
                "funding": b.funding,
                "paragraph": b.paragraph,
            }
            for b in budget
        ],
        "budget_total": sum(b.amount for b in budget),
        "not_read": plan.unread,
        "interpreted": plan.interpreted,
    }


def plan_progress(session: Session, plan_id: int | None = None) -> dict[str, Any]:
    """A progress summary: actions by delivery status and by priority category, per outcome."""
    data = plan_as_dict(session, plan_id)
    rows = []
    for obj in data["objectives"]:
        for oc in obj["outcomes"]:
            st = Counter(a["status"] or "open" for a in oc["actions"])
            cat = Counter(a["category"] or "unknown" for a in oc["actions"])
            rows.append(
                {
                    "objective": obj["code"],
                    "outcome": oc["code"],
                    "text": oc["text"],
                    "actions": len(oc["actions"]),
                    "status": dict(st),
                    "category": dict(cat),
                }
            )
    return {"plan": data["plan"], "outcomes": rows}
