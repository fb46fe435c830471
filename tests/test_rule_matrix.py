"""Who may call each root field, as a table that changes only on purpose.

`tests/rules/root_fields.txt` lists, for every Query and Mutation field, the roles of the
platform its declared rule lets in (anonymous callers as ANONYMOUS). The test computes the same
table from the schema and the declared rules; a rule that changes without the table changing
with it fails here, naming the field and the roles gained or lost. When a change is intended:

    .venv/bin/python -m tests.test_rule_matrix --write

and the diff of tests/rules/root_fields.txt shows the reviewer exactly who gained what.
"""

from __future__ import annotations

import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "rules" / "root_fields.txt"
ROLES = (
    "SUPER_ADMIN",
    "PLATFORM_ADMIN",
    "SCHOOL_ADMIN",
    "ACCOUNTANT",
    "TEACHER",
    "STUDENT",
    "GUARDIAN",
    "HOSTEL_ADMIN",
    "SUPERVISOR",
    "HOSTEL_STUDENT",
    "VISITOR",
)


class _Caller:
    def __init__(self, role: str | None) -> None:
        self.user_id = None if role is None else 1
        self.roles = frozenset() if role is None else frozenset({role})


def current_table() -> str:
    from auth.permissions import DECLARED
    from schema.root import build_schema

    schema = build_schema()._schema
    lines = []
    roots = (
        ("Query", schema.query_type),
        ("Mutation", schema.mutation_type),
        ("Subscription", schema.subscription_type),
    )
    for root, gtype in roots:
        for name in sorted(gtype.fields if gtype is not None else ()):
            rule = DECLARED.get(f"{root}.{name}")
            if rule is None:
                lines.append(f"{root}.{name}: UNDECLARED")
                continue
            who = [r for r in ROLES if rule.allows(_Caller(r))]
            if rule.allows(_Caller(None)):
                who = ["ANONYMOUS", *who]
            lines.append(f"{root}.{name}: {' '.join(who) or 'NOBODY'}")
    return "\n".join(lines) + "\n"


def test_every_root_field_rule_matches_the_reviewed_table() -> None:
    expected = dict(line.split(": ", 1) for line in TABLE.read_text().splitlines() if line)
    actual = dict(line.split(": ", 1) for line in current_table().splitlines() if line)
    changes = []
    for field in sorted(set(expected) | set(actual)):
        was, now = set(expected.get(field, "").split()), set(actual.get(field, "").split())
        if was != now:
            changes.append(f"{field}: gained {sorted(now - was) or '-'}, lost {sorted(was - now) or '-'}")
    assert not changes, "rules changed without tests/rules/root_fields.txt (see its docstring):\n" + "\n".join(changes)


def test_the_finance_override_stays_the_super_admins_alone() -> None:
    """Seed 001 §9.2, pinned literally (the planted bug of issue 19: opening it to PLATFORM_ADMIN)."""
    table = dict(line.split(": ", 1) for line in TABLE.read_text().splitlines() if line)
    assert table["Mutation.dayClosingOverride"] == "SUPER_ADMIN"
    assert "PLATFORM_ADMIN" not in table["Mutation.dayClose"].split()


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    TABLE.write_text(current_table())
    print(f"wrote {TABLE}")
