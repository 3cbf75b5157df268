"""The capacity-building strategy's implementation plan, read from its published text.

Source: UN-Habitat capacity-building strategy, updated implementation plan 2021–2024
with priorities for 2022 (HSP/EB.2021/17), "Detailed implementation plan" (pages 8 ff.)
and the 2022 additional budget (para. 24). The plan is a tree:

- **objectives** (``1``, ``2``) → **outcomes** (``1.1`` … ``2.4``) → **outputs**
  (``1.1.1`` …, each with its "examples of key activities planned for 2022") →
  **actions** (the rows under "Actions for implementation").

Each action carries a **priority category** — Green (now, within core resources),
Orange (on hold until earmarked funds), Red (medium term) — and the **years** it runs
(Y1–Y4), both shown in the published table as coloured cells (para. 14), and a
**delivery status** written in the text: ``[DONE]``, ``[REVISED]``, ``[DELETED]``,
``[ADDED]`` (para. 15). Priority and delivery status are separate fields.

The text extracted from the PDF lost the coloured cells: the reader leaves category
and years blank and lists every such gap in :attr:`ParsedPlan.unread`, never guessing.
It also reports what it had to interpret (a row continued across a page break, two
actions run together on one line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sdgcities.errors import Finding, ValidationError

__all__ = [
    "CATEGORIES",
    "LEVELS",
    "STATUSES",
    "BudgetLine",
    "ParsedPlan",
    "PlanNode",
    "parse_plan_table",
    "parse_plan_text",
]

LEVELS = ("objective", "outcome", "output", "action")
CATEGORIES = ("green", "orange", "red")
STATUSES = ("done", "revised", "deleted", "added")
_CODE = re.compile(r"^\d(?:\.\d){0,2}$")
_MARK = re.compile(r"\s*\[(DONE|REVISED|DELETED|ADDED)\]\s*")
_LABEL = re.compile(r"(?:<u>)?\s*Actions? for implementation\s*(?:</u>)?", re.IGNORECASE)
_BULLETS = re.compile(r"^[\s☐➡₽\uf0b7\uf0a7\uf0d8\u2022\uf02d\u25aa-]+")


@dataclass
class PlanNode:
    """One row of the plan: an objective, outcome, output or action."""

    level: str
    code: str
    text: str
    category: str | None = None
    years: list[int] | None = None  # e.g. [1, 2] for Y1–Y2; None: not read
    status: str | None = None
    key_activities: str = ""
    source_line: int | None = None
    notes: list[str] = field(default_factory=list)
    children: list[PlanNode] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "code": self.code,
            "text": self.text,
            "category": self.category,
            "years": self.years,
            "status": self.status,
            "key_activities": self.key_activities,
            "source_line": self.source_line,
            "notes": self.notes,
            "children": [c.as_dict() for c in self.children],
        }


@dataclass(frozen=True)
class BudgetLine:
    """A line of the plan's budget (amounts in US dollars as the report gives them)."""

    item: str
    amount: float
    currency: str
    year: int
    funding: str
    paragraph: str


@dataclass
class ParsedPlan:
    """What the reader found, and what it could not read."""

    title: str
    objectives: list[PlanNode]
    budget: list[BudgetLine]
    unread: list[str]
    interpreted: list[str]

    def nodes(self) -> Iterable[PlanNode]:
        stack = list(reversed(self.objectives))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def count(self, level: str) -> int:
        return sum(1 for n in self.nodes() if n.level == level)


def _clean(text: str) -> str:
    text = re.sub(r"</?u>|</?i>", "", text)
    text = _BULLETS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def _status(text: str) -> tuple[str, str | None]:
    m = _MARK.search(text)
    if not m:
        return text, None
    return _MARK.sub(" ", text).strip(), m.group(1).lower()


def parse_plan_text(text: str, *, source: str = "the plan") -> ParsedPlan:
    """Read the detailed implementation plan and the 2022 budget from the report's text."""
    lines = text.split("\n")
    start = next(
        (
            i
            for i, ln in enumerate(lines)
            if ln.strip().lower().startswith("detailed implementation plan")
        ),
        None,
    )
    if start is None:
        raise ValidationError(
            f"{source}: no 'Detailed implementation plan' table found",
            [
                Finding(
                    "the heading 'Detailed implementation plan' is missing",
                    file=source,
                    fix="give the report's text (HSP/EB.2021/17) or a spreadsheet of the plan "
                    "with columns code, level, text, category, y1–y4, status, key_activities",
                )
            ],
        )
    title = lines[start].strip()
    objectives: list[PlanNode] = []
    outcome: PlanNode | None = None
    output: PlanNode | None = None
    last_action: PlanNode | None = None
    interpreted: list[str] = []
    for no, raw in enumerate(lines[start + 1 :], start=start + 2):
        cells = raw.split("\t")
        if len(cells) < 2:
            continue
        code, body = cells[0].strip(), cells[1].strip()
        activity = _clean(cells[6]) if len(cells) > 6 else ""
        if (
            body.lower() in ("prioritization", "prio", "prior")
            or "Examples of key activities" in raw
        ):
            continue
        if re.fullmatch(r"(<i>)?Y\d(</i>)?", body) or body in ("Y1",):
            continue
        if code and _CODE.match(code):
            depth = code.count(".")
            label = _LABEL.search(body)
            head = _clean(body[: label.start()] if label else body)
            inline = _clean(body[label.end() :]) if label else ""
            if depth == 0:
                head = re.sub(r"^Objective:\s*", "", head)
                node = PlanNode("objective", code, head, source_line=no)
                objectives.append(node)
                outcome = output = last_action = None
            elif depth == 1:
                node = PlanNode("outcome", code, head, source_line=no)
                if not objectives:
                    raise ValidationError(
                        f"{source}, line {no}: outcome {code} before any objective"
                    )
                objectives[-1].children.append(node)
                outcome, output, last_action = node, None, None
            else:
                node = PlanNode("output", code, head, source_line=no, key_activities=activity)
                if outcome is None:
                    raise ValidationError(f"{source}, line {no}: output {code} before any outcome")
                outcome.children.append(node)
                output, last_action = node, None
                if inline:
                    act_text, status = _status(inline)
                    last_action = PlanNode(
                        "action",
                        f"{code}.a1",
                        act_text,
                        status=status,
                        source_line=no,
                        notes=["written on the output's line after 'Actions for implementation'"],
                    )
                    node.children.append(last_action)
                    interpreted.append(f"line {no}: an action read from the line of output {code}")
            continue
        if code:  # not a code: leave it, but say so
            interpreted.append(f"line {no}: first cell {code!r} is not a plan code; row ignored")
            continue
        if output is None:
            continue
        if activity:
            output.key_activities = f"{output.key_activities} {activity}".strip()
        if not body or _LABEL.fullmatch(body) or _LABEL.fullmatch(_clean(body)):
            continue
        body_clean = _clean(body)
        if not body_clean:
            continue
        if last_action is not None and body_clean[:1].islower():
            last_action.text = f"{last_action.text} {body_clean}".strip()
            text_, st = _status(last_action.text)
            last_action.text, last_action.status = text_, st or last_action.status
            note = "continued across a page break"
            if note not in last_action.notes:
                last_action.notes.append(note)
            interpreted.append(
                f"line {no}: joined to action {last_action.code} (continued across a page break)"
            )
            continue
        act_text, status = _status(body_clean)
        n = len(output.children) + 1
        last_action = PlanNode(
            "action", f"{output.code}.a{n}", act_text, status=status, source_line=no
        )
        # two actions run together on one line: a sentence ending, then a capitalised verb
        if (
            re.search(r"[a-z)] [A-Z][a-z]+ (?:a |the |processes|up )", act_text)
            and len(act_text) > 180
        ):
            last_action.notes.append("may hold more than one action run together in the extraction")
            interpreted.append(
                f"line {no}: action {last_action.code} may hold two actions run together"
            )
        output.children.append(last_action)
    if not objectives:
        raise ValidationError(
            f"{source}: the plan table has no objectives",
            [
                Finding(
                    "no row starting with an objective number (1, 2 …)",
                    file=source,
                    fix="check that the table's cells are separated by tabs",
                )
            ],
        )
    unread = [
        f"action {n.code} (line {n.source_line}): priority category and years Y1–Y4 not in the "
        "text (coloured cells lost in the PDF extraction)"
        for n in _walk(objectives)
        if n.level == "action"
    ]
    budget = _budget(lines)
    if not budget:
        unread.append("the 2022 additional budget (para. 24) was not found")
    return ParsedPlan(title, objectives, budget, unread, interpreted)


def _walk(nodes: list[PlanNode]) -> Iterable[PlanNode]:
    for n in nodes:
        yield n
        yield from _walk(n.children)


_AMOUNT = re.compile(r"\\?\$\s?([\d,]+)")


def _budget(lines: list[str]) -> list[BudgetLine]:
    """The 2022 additional budget of para. 24 (posts, consultancies, total)."""
    start = next((i for i, ln in enumerate(lines) if ln.startswith("24.")), None)
    if start is None:
        return []
    out: list[BudgetLine] = []
    for ln in lines[start + 1 : start + 20]:
        if ln.startswith("25.") or ln.lower().startswith("detailed implementation plan"):
            break
        m = _AMOUNT.search(ln)
        if not m:
            continue
        item = _clean(re.sub(r"^[-(\s]*\(?[a-z0-9ivx]+\)\s*", "", ln.split(":")[0]))
        amount = float(m.group(1).replace(",", ""))
        if item.lower().startswith("total cost"):
            continue  # the total is their sum, checked below
        out.append(BudgetLine(item, amount, "USD", 2022, "extrabudgetary (to be mobilised)", "24"))
    total = next(
        (ln for ln in lines[start : start + 20] if "Total cost for the year 2022" in ln), None
    )
    if total:
        m = _AMOUNT.search(total)
        if m and abs(sum(b.amount for b in out) - float(m.group(1).replace(",", ""))) > 0.5:
            raise ValidationError(
                "the 2022 budget lines do not add up to the total the report gives (para. 24)"
            )
    return out


TABLE_COLUMNS = (
    "code",
    "level",
    "text",
    "category",
    "y1",
    "y2",
    "y3",
    "y4",
    "status",
    "key_activities",
)


def parse_plan_table(path: Path) -> ParsedPlan:
    """Read the plan from a spreadsheet (CSV or XLSX) with :data:`TABLE_COLUMNS`.

    ``level`` is objective/outcome/output/action; ``category`` green/orange/red or blank;
    ``y1``–``y4`` "x"/"yes"/"1" when the action runs that year; ``status`` done/revised/
    deleted/added or blank. Every problem is reported with its row and column.
    """
    import pandas as pd

    try:
        frame = (
            pd.read_excel(path, dtype=str)
            if path.suffix.lower() in (".xlsx", ".xlsm")
            else pd.read_csv(path, dtype=str, keep_default_na=False)
        ).fillna("")
    except Exception as err:  # unreadable spreadsheet: say which file and why
        raise ValidationError(
            f"{path.name}: cannot read the spreadsheet ({err})",
            [Finding(str(err), file=path.name, fix="save it as CSV (UTF-8) or XLSX")],
        ) from err
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("code", "level", "text") if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"{path.name}: missing column(s) {', '.join(missing)}",
            [
                Finding(
                    f"missing column {c!r}",
                    file=path.name,
                    column=c,
                    fix=f"add the column; the plan's columns are {', '.join(TABLE_COLUMNS)}",
                )
                for c in missing
            ],
        )
    findings: list[Finding] = []
    by_code: dict[str, PlanNode] = {}
    objectives: list[PlanNode] = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        level = str(row.get("level", "")).strip().lower()
        code = str(row.get("code", "")).strip()
        if level not in LEVELS:
            findings.append(
                Finding(
                    f"unknown level {level!r}",
                    file=path.name,
                    row=i,
                    column="level",
                    value=level,
                    fix=f"use one of {', '.join(LEVELS)}",
                )
            )
            continue
        cat = str(row.get("category", "")).strip().lower() or None
        if cat is not None and cat not in CATEGORIES:
            findings.append(
                Finding(
                    f"unknown category {cat!r}",
                    file=path.name,
                    row=i,
                    column="category",
                    value=cat,
                    fix="use green, orange or red, or leave it blank",
                )
            )
        st = str(row.get("status", "")).strip().lower() or None
        if st is not None and st not in STATUSES:
            findings.append(
                Finding(
                    f"unknown status {st!r}",
                    file=path.name,
                    row=i,
                    column="status",
                    value=st,
                    fix="use done, revised, deleted or added, or leave it blank",
                )
            )
        years = [
            y
            for y in (1, 2, 3, 4)
            if str(row.get(f"y{y}", "")).strip().lower() in ("x", "yes", "1", "true")
        ]
        has_years = any(f"y{y}" in frame.columns for y in (1, 2, 3, 4))
        line = str(row.get("source_line", "")).strip()
        notes = [x for x in str(row.get("notes", "")).split("; ") if x]
        node = PlanNode(
            level,
            code,
            str(row.get("text", "")).strip(),
            category=cat,
            years=(years or None) if has_years else None,
            status=st,
            key_activities=str(row.get("key_activities", "")).strip(),
            source_line=int(line) if line.isdigit() else i,
            notes=notes,
        )
        parent_code = code.rsplit(".", 1)[0] if level != "objective" else None
        if level == "action" and ".a" in code:
            parent_code = code.split(".a")[0]
        if parent_code is None:
            objectives.append(node)
        elif parent_code in by_code:
            by_code[parent_code].children.append(node)
        else:
            findings.append(
                Finding(
                    f"no parent {parent_code!r} above {code!r}",
                    file=path.name,
                    row=i,
                    column="code",
                    value=code,
                    fix="list each objective, outcome and output before its children",
                )
            )
        by_code[code] = node
    if findings:
        raise ValidationError(f"{path.name}: the plan has {len(findings)} problem(s)", findings)
    unread = [
        f"action {n.code}: "
        + " and ".join(
            part
            for part, missing in (
                ("priority category", n.category is None),
                ("years Y1–Y4", n.years is None),
            )
            if missing
        )
        + " not given"
        for n in _walk(objectives)
        if n.level == "action" and (n.category is None or n.years is None)
    ]
    return ParsedPlan(path.stem, objectives, [], unread, [])
