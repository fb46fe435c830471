"""Field rules cover filters and ordering: a field a caller may not read cannot be asked about
through `filter` (at any depth of and/or/not) or `orderBy` either, wherever its connection is
reached (root lists and connections one level down). Otherwise `filter: {phone: {startsWith}}`
with `totalCount` reads the field one character at a time.

The walk is over the schema and `auth.permissions.FIELD_RULES`, so fields protected later are
covered without touching this file.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLObjectType, get_named_type, is_input_object_type

from auth.permissions import FIELD_RULES
from kit.registry import SPECS
from schema.root import build_schema
from tests.conftest import as_user

SCHEMA = build_schema()._schema
CALLERS = [
    "superadmin@demo.campus",
    "platform@demo.campus",
    "admin@greenwood.demo",
    "accounts@greenwood.demo",
    "teacher@greenwood.demo",
    "multi@demo.campus",
    "warden@sunrise.demo",
    "supervisor@sunrise.demo",
    "resident@sunrise.demo",
    "visitor@demo.campus",
]


def _snake_upper(name: str) -> str:
    return re.sub(r"([A-Z])", r"_\1", name).upper()


def _operand(filter_type_name: str) -> str:
    fields = SCHEMA.type_map[filter_type_name].fields
    return "{isNull: false}" if "isNull" in fields else "{in: []}"


def _protected_uses() -> list[tuple[str, str, str, str]]:
    """(type, field, 'filter'|'order', argument text) for every protected field an input offers."""
    out = []
    for key in FIELD_RULES:
        type_name, field = key.split(".")
        filt = SCHEMA.type_map.get(f"{type_name}Filter")
        if filt is not None and field in filt.fields:
            op = _operand(get_named_type(filt.fields[field].type).name)
            out.append((type_name, field, "filter", f"filter: {{{field}: {op}}}"))
            # nested and/or/not must not hide it
            out.append(
                (
                    type_name,
                    field,
                    "filter",
                    f"filter: {{or: [{{id: {{in: []}}}}, {{not: {{and: [{{{field}: {op}}}]}}}}]}}",
                )
            )
        order = SCHEMA.type_map.get(f"{type_name}OrderField")
        if order is not None and _snake_upper(field) in order.values:
            out.append((type_name, field, "order", f"orderBy: [{{field: {_snake_upper(field)}, direction: DESC}}]"))
    return out


def _paths_to(type_name: str) -> list[tuple[str, str]]:
    """Documents reaching `<type>Connection`: (root list, document with ARGS for the arguments)."""
    conn = f"{type_name}Connection"
    out = []
    query = SCHEMA.query_type
    for root_name, root in query.fields.items():
        target = get_named_type(root.type)
        if target.name == conn:
            out.append((root_name, f"{{ {root_name}(first: 1, ARGS) {{ totalCount }} }}"))
        elif target.name.endswith("Connection") and isinstance(target, GraphQLObjectType):
            node = get_named_type(target.fields["nodes"].type)
            for fname, f in getattr(node, "fields", {}).items():
                if get_named_type(f.type).name == conn:
                    out.append(
                        (
                            root_name,
                            f"{{ {root_name}(first: 1) {{ nodes {{ {fname}(first: 1, ARGS) {{ totalCount }} }} }} }}",
                        )
                    )
    return out


async def _roles(client: Any, email: str) -> tuple[Any, frozenset[str]]:
    g = await as_user(client, email)
    body = await g("{ me { rolesInForce } }")
    return g, frozenset(body["data"]["me"]["rolesInForce"])


async def test_no_protected_field_is_filterable_or_orderable_by_a_caller_its_rule_refuses(client):
    uses = _protected_uses()
    assert {(t, f) for t, f, _, _ in uses} >= {("HostelStudent", "phone"), ("User", "email")}
    callers = [(email, *await _roles(client, email)) for email in CALLERS]
    refused_checks, allowed_checks, exercised = 0, 0, set()
    readable: dict[tuple[str, str], bool] = {}
    for type_name, field, use, arg in uses:
        rule = FIELD_RULES[f"{type_name}.{field}"]
        paths = _paths_to(type_name)
        assert paths, f"{type_name} has a protected {use} field but no connection to test it through"
        for root_name, doc in paths:
            for email, g, roles in callers:
                plain_doc = doc.replace(", ARGS", "")
                if (email, plain_doc) not in readable:
                    readable[(email, plain_doc)] = not (await g(plain_doc, expect_errors=True)).get("errors")
                if not readable[(email, plain_doc)]:
                    continue  # the list itself is not theirs: nothing to learn from
                body = await g(doc.replace("ARGS", arg), expect_errors=True)
                if rule.roles.isdisjoint(roles):
                    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
                    assert codes == ["FORBIDDEN"], (email, type_name, field, use, root_name, body)
                    assert body["data"] is None or body["data"].get(root_name) is None, body
                    assert field in body["errors"][0]["message"]
                    refused_checks += 1
                    exercised.add((type_name, field))
                else:
                    assert "errors" not in body, (email, type_name, field, use, body)
                    allowed_checks += 1
    # the walk did real work on both sides, and on the fields of the issue
    assert refused_checks >= 10 and allowed_checks >= 10, (refused_checks, allowed_checks)
    # (User.email: the users list has the field's own roles, so no refused caller reaches it)
    assert {("HostelStudent", "phone"), ("HostelStudent", "email"), ("HostelStudent", "checkInDate")} <= exercised, (
        exercised
    )


def _not_prefix(prefix: str) -> dict:
    """Rows whose phone does not start with `prefix`, those without a phone included."""
    return {"or": [{"not": {"phone": {"startsWith": prefix}}}, {"phone": {"isNull": True}}]}


async def test_a_resident_cannot_read_another_residents_phone_through_a_filter(client):
    """The issue's oracle: startsWith + totalCount, one digit at a time. Staff still filter."""
    resident = await as_user(client, "resident@sunrise.demo")
    warden = await as_user(client, "warden@sunrise.demo")
    doc = """query($f: HostelStudentFilter) { hostelStudents(filter: $f) { totalCount nodes { fullName } } }"""
    everyone = await resident(doc)
    assert everyone["data"]["hostelStudents"]["totalCount"] > 1  # roommates are listed, by name
    for filt in (
        {"phone": {"startsWith": "9"}},
        {"not": {"phone": {"startsWith": "9"}}},
        {"or": [{"fullName": {"contains": "zzz"}}, {"and": [{"phone": {"eq": "x"}}]}]},
        {"email": {"contains": "@"}},
        {"status": {"eq": "ACTIVE"}},
    ):
        body = await resident(doc, {"f": filt}, expect_errors=True)
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    body = await resident("{ hostelStudents(orderBy: [{field: CHECK_IN_DATE}]) { totalCount } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    # a filter on what the resident may read still works: the rows with a letter in the name
    # (any case) and those without it split the list; every row kept holds it (one request:
    # one snapshot of the rows, whatever other tests add meanwhile)
    names = [n["fullName"] for n in everyone["data"]["hostelStudents"]["nodes"]]
    letter = next(c for c in "zqxjkvbpygfwmucldrhsnioate" if 0 < sum(c in n.lower() for n in names) < len(names))
    split = """query($f: HostelStudentFilter, $n: HostelStudentFilter) { all: hostelStudents { totalCount }
                 kept: hostelStudents(first: 100, filter: $f) { totalCount nodes { %s } }
                 left: hostelStudents(first: 100, filter: $n) { totalCount nodes { %s } } }"""
    ok = await resident(
        split % ("fullName", "fullName"),
        {"f": {"fullName": {"contains": letter.upper()}}, "n": {"not": {"fullName": {"contains": letter}}}},
    )
    kept, left = ok["data"]["kept"], ok["data"]["left"]
    assert kept["totalCount"] > 0 and left["totalCount"] > 0
    assert kept["totalCount"] + left["totalCount"] == ok["data"]["all"]["totalCount"]
    assert all(letter in n["fullName"].lower() for n in kept["nodes"]) and kept["nodes"]
    assert not any(letter in n["fullName"].lower() for n in left["nodes"]) and left["nodes"]
    # and staff filter on the phone (a case-sensitive prefix): nobody's starts with "9" (all "+91 ..."),
    # and a prefix of one phone splits the list the same way
    staff = await warden(split % ("phone", "phone"), {"f": {"phone": {"startsWith": "9"}}, "n": _not_prefix("9")})
    assert staff["data"]["kept"]["totalCount"] == 0 and staff["data"]["all"]["totalCount"] > 1
    assert staff["data"]["left"]["totalCount"] == staff["data"]["all"]["totalCount"]
    prefix = next(n["phone"] for n in staff["data"]["left"]["nodes"] if n["phone"])[:7]  # "+91 9xy"
    staff = await warden(split % ("phone", "phone"), {"f": {"phone": {"startsWith": prefix}}, "n": _not_prefix(prefix)})
    kept, left = staff["data"]["kept"], staff["data"]["left"]
    assert kept["totalCount"] > 0 and kept["totalCount"] + left["totalCount"] == staff["data"]["all"]["totalCount"]
    assert all(n["phone"].startswith(prefix) for n in kept["nodes"])
    assert not any((n["phone"] or "").startswith(prefix) for n in left["nodes"])
    assert is_input_object_type(SCHEMA.type_map["HostelStudentFilter"]) and SPECS["HostelStudent"]
