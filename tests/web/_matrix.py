"""What the access-matrix test and its per-domain parts share: roles, statuses, cases.

A domain declares its GET routes in a module of :mod:`tests.web.matrix_parts` (one file
per domain, so that parallel work never edits the same lines): ``ROUTES`` maps each path
template to its cases, and an optional ``seed(engine, world)`` adds the domain's records
to the matrix's world, under names its URLs use (``world.extra["plan_a"] = 7`` is
``{plan_a}`` in a URL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES = ("anonymous", "learner", "editor_a", "editor_b", "hub", "admin")
PASSWORD = "correct horse battery"
EMAILS = {
    "learner": "learner@matrix-l.example",
    "editor_a": "editor-a@matrix-a.example",
    "editor_b": "editor-b@matrix-b.example",
    "hub": "reviewer@matrix-hub.example",
    "admin": "admin@matrix-admin.example",
}
#: the cities whose drafts each role may see
DRAFT_RIGHTS = {
    "anonymous": set(),
    "learner": set(),
    "editor_a": {"A"},
    "editor_b": {"B"},
    "hub": {"A"},
    "admin": {"A", "B"},
}
#: what must not leak, per city: draft values (as rendered anywhere), reasons, comments,
#: the e-mails of the city's staff
PRIVATE: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "A": [
        ("A's draft value", re.compile(r"(?<![\d.])86[.,]4")),
        ("A's draft reason", re.compile("draftreason-a-qz")),
        ("A's review comment", re.compile("hubcomment-a-qz")),
        ("editor A's e-mail", re.compile(re.escape(EMAILS["editor_a"]))),
        ("the hub reviewer's e-mail", re.compile(re.escape(EMAILS["hub"]))),
    ],
    "B": [
        ("B's draft value", re.compile(r"(?<![\d.])93[.,]7")),
        ("B's draft reason", re.compile("draftreason-b-qz")),
        ("editor B's e-mail", re.compile(re.escape(EMAILS["editor_b"]))),
    ],
}
OWN = {"editor_a": "editor A's e-mail", "editor_b": "editor B's e-mail"}
OWN |= {"hub": "the hub reviewer's e-mail"}

# expected statuses, per role in ROLES order
PUBLIC = (200,) * 6
LOGGED_IN = (401, 200, 200, 200, 200, 200)
ADMIN_ONLY = (401, 403, 403, 403, 403, 200)
#: a thing of city A that only A's staff may see (404 for the rest: it does not exist)
A_STAFF = (404, 404, 200, 404, 200, 200)
A_STAFF_LOGIN = (401, 404, 200, 404, 200, 200)
B_STAFF_LOGIN = (401, 404, 404, 200, 404, 200)
#: drafts of city A asked for explicitly (403 for those who may not)
A_DRAFTS = (403, 403, 200, 403, 200, 200)
#: a link with a token that is not valid: refused for everyone
RESET = (400,) * 6
#: hub staff and admins only
HUB_STAFF = (401, 403, 403, 403, 200, 200)
LOGIN_FORM = (200, 303, 303, 303, 303, 303)


@dataclass(frozen=True)
class Case:
    url: str
    expect: tuple[int, ...]


def case(url: str, expect: tuple[int, ...] = PUBLIC) -> Case:
    assert len(expect) == len(ROLES)
    return Case(url, expect)


@dataclass
class World:
    a_slug: str
    b_slug: str
    published_a: int
    draft_a: int
    sub_a: int
    sub_b: int
    layer: int
    tokens: dict[str, str] = field(default_factory=dict)
    request_a: str = ""
    need_a: int = 0
    #: what the domains' seeds add, by the name their URLs use
    extra: dict[str, object] = field(default_factory=dict)

    def fill(self, url: str) -> str:
        values = {k: v for k, v in vars(self).items() if k not in ("tokens", "extra")}
        return url.format(**values, **self.extra)
