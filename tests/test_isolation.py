"""Tenant isolation and deny-by-default, proved from outside through GraphQL.

The matrix enumerates the schema, so root fields, relations and mutations that later
domains add are covered without touching this file. Tenant A is Greenwood (school) and
Sunrise (hostel); the callers belong to Riverside and Lotus, or hold the wrong role.
Public catalogue types (room types, amenities, media, policies of public hostels) are open to
everyone and have their own test; a visitor's own bookings in Sunrise are theirs to see.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_named_type, is_enum_type, is_input_object_type, is_non_null_type

from kit.registry import SPECS
from kit.ids import encode_gid
from schema.root import build_schema
from tests.conftest import bearer

SCHEMA = build_schema()._schema
OUTSIDERS = [
    "admin@riverside.demo",
    "teacher@riverside.demo",
    "accounts@riverside.demo",
    "warden@lotus.demo",
    "resident@sunrise.demo",
    "visitor@demo.campus",
]
CATALOGUE = {name for name, spec in SPECS.items() if getattr(spec.model, "__public_catalogue__", False)}


@pytest.fixture(scope="module")
async def foreign(db) -> dict[str, Any]:
    """Global IDs of tenant A's rows (every tenant table), its school and hostel, and its users."""
    ids: set[str] = set()
    by_type: dict[str, list[str]] = {}
    catalogue: set[str] = set()
    resident_may_see: set[str] = set()  # Sunrise rows a Sunrise resident reads (rooms, beds, their own records)
    owned: dict[int, set[str]] = {}
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        hostel = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
        resident_types = _readable_by_residents()
        for spec in SPECS.values():
            if spec.tenant_key is None or spec.gql_cls is None:
                continue
            tenant = school if spec.tenant_key == "school_id" else hostel
            owner = spec.owner_key
            via = spec.owner_via_key
            if via:  # owned through the booking it belongs to
                rows = await conn.fetch(
                    f"SELECT t.id, b.booker_user_id AS owner FROM {spec.table.name} t "
                    f"JOIN bookings b ON b.id = t.{via} WHERE t.{spec.tenant_key} = $1",
                    tenant,
                )
                owner = "booker_user_id"
            else:
                rows = await conn.fetch(
                    f"SELECT id{f', {owner} AS owner' if owner else ''} FROM {spec.table.name} "
                    f"WHERE {spec.tenant_key} = $1",
                    tenant,
                )
            gids = [encode_gid(spec.name, r["id"]) for r in rows]
            if spec.name in CATALOGUE:
                catalogue.update(gids)
                continue
            if spec.name in resident_types:
                resident_may_see.update(gids)
            by_type[spec.name] = gids
            for r, gid in zip(rows, gids, strict=True):
                if owner and r["owner"] is not None:
                    owned.setdefault(r["owner"], set()).add(gid)
        emails = {r["email"]: r["id"] for r in await conn.fetch("SELECT id, email FROM users")}
        users = await conn.fetch(
            """SELECT u.id FROM users u WHERE EXISTS (SELECT 1 FROM role_assignments ra
                                    WHERE ra.user_id = u.id AND ra.school_id = $1) AND NOT EXISTS (SELECT 1 FROM role_assignments ra
                                    WHERE ra.user_id = u.id AND (ra.school_id IS DISTINCT FROM $1 OR ra.hostel_id IS NOT NULL))""",
            school,
        )
    by_type["School"] = [encode_gid("School", school)]
    by_type["User"] = [encode_gid("User", r["id"]) for r in users]
    for values in by_type.values():
        ids.update(values)
    return {
        "ids": ids,
        "by_type": by_type,
        "school": school,
        "hostel": hostel,
        "catalogue": catalogue,
        "resident_may_see": resident_may_see,
        "owned": owned,
        "users": emails,
    }


def _readable_by_residents() -> set[str]:
    """Types a Sunrise resident may read at all (member rule); which of their rows is the
    types' row filters' business, tested in tests/test_hostel_*.py."""
    from kit.fields import READ_POLICIES

    class Resident:
        user_id, roles = 1, frozenset({"HOSTEL_STUDENT"})

    return {name for name, (rule, _) in READ_POLICIES.items() if rule.allows(Resident())}


def _not_for(foreign: dict[str, Any], email: str) -> set[str]:
    """The tenant-A rows `email` must not see: all but their own, and for the Sunrise resident
    all of the types residents may not read."""
    hidden = foreign["ids"] - foreign["owned"].get(foreign["users"][email], set())
    if email == "resident@sunrise.demo":
        hidden -= foreign["resident_may_see"]
    return hidden


def test_every_tenant_type_has_demo_rows_in_tenant_a(foreign):
    empty = [name for name, gids in foreign["by_type"].items() if not gids]
    assert empty == [], "add demo data for these types so that isolation is tested on real rows"


async def test_every_tenant_entity_type_has_rows_in_every_demo_tenant(db):
    """The generated demo rows (demo/generated.py) leave no tenant type empty in any demo tenant,
    so the matrix above runs on real rows of every type, whichever tenant is A."""
    from demo.generated import DEMO_TENANTS, tenant_models
    from kit.declared import declared_models

    models = tenant_models()
    assert {m for m in declared_models() if m.__tenant_key__} <= set(models)
    empty = []
    async with db.acquire() as conn:
        for key, (table, code, codes) in DEMO_TENANTS.items():
            tenants = await conn.fetch(
                f"SELECT id, {code} AS code FROM {table} WHERE {code} = ANY($1::text[])", list(codes)
            )
            assert len(tenants) == len(codes), (table, tenants)
            for model in models:
                if model.__tenant_key__ != key:
                    continue
                for tenant in tenants:
                    if not await conn.fetchval(
                        f"SELECT EXISTS (SELECT 1 FROM {model.__tablename__} WHERE {key} = $1)", tenant["id"]
                    ):
                        empty.append(f"{model.__name__}@{tenant['code']}")
    assert empty == [], "no demo row (hand-written or generated): see demo/generated.py and demo/overrides.py"


def _ids(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                found.add(item)
            else:
                found |= _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found


def _selection(type_: Any, depth: int) -> str:
    """`id` and, one level down, every relation of an entity type."""
    parts = ["id"] if "id" in type_.fields else []
    if depth == 0:
        return " ".join(parts) or "__typename"
    for name, field in type_.fields.items():
        target = get_named_type(field.type)
        if target.name.endswith("Connection"):
            node = get_named_type(target.fields["nodes"].type)
            parts.append(f"{name}(first: 5) {{ nodes {{ {_selection(node, depth - 1)} }} }}")
        elif hasattr(target, "fields") and "id" in target.fields and not name.startswith("__"):
            parts.append(f"{name} {{ {_selection(target, depth - 1)} }}")
    return " ".join(parts)


def _root_lists() -> list[tuple[str, str]]:
    out = []
    for name, field in SCHEMA.query_type.fields.items():
        target = get_named_type(field.type)
        if target.name.endswith("Connection"):
            node = get_named_type(target.fields["nodes"].type)
            out.append((name, f"{{ {name}(first: 50) {{ nodes {{ {_selection(node, 1)} }} }} }}"))
    return out


@pytest.mark.parametrize("email", OUTSIDERS)
async def test_lists_and_their_relations_never_show_another_tenants_rows(client, foreign, email):
    headers = await bearer(client, email)
    for name, query in _root_lists():
        r = await client.post("/graphql", json={"query": query}, headers=headers)
        body = r.json()
        assert r.status_code == 200, (name, body)
        leaked = _ids(body.get("data")) & _not_for(foreign, email)
        assert not leaked, f"{email} saw {leaked} through {name}"
        for error in body.get("errors", []):
            assert error["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED"), (name, error)


@pytest.mark.parametrize("email", OUTSIDERS)
async def test_node_answers_null_for_another_tenants_ids(client, foreign, email):
    headers = await bearer(client, email)
    hidden = _not_for(foreign, email)
    for all_gids in foreign["by_type"].values():
        gids = [g for g in all_gids if g in hidden][:100]
        body = (
            await client.post(
                "/graphql",
                json={"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": gids}},
                headers=headers,
            )
        ).json()
        assert body["data"]["nodes"] == [None] * len(gids), (email, gids[:3])


# A guardian of tenant A (demo/school.py FAMILIES): inside the tenant, yet only their children's
# records are theirs. Their row filters are declarations (models/school/access.py), so the same
# walk over every list, relation and node covers them.
GUARDIAN = "parent@greenwood.demo"


@pytest.fixture(scope="module")
async def family_hidden(db, foreign) -> set[str]:
    """Tenant A's rows the guardian must not see: every row of a type guardians may not read at
    all; of the others, every row of another student (the student, or a row naming one by
    `student_id`), another guardian, their children's unshared documents and unlocked marks, and
    users other than themselves and their children's teachers."""
    from kit.fields import READ_POLICIES

    class Guardian:
        user_id, roles = 1, frozenset({"GUARDIAN"})

    hidden: set[str] = set()
    async with db.acquire() as conn:
        me = foreign["users"][GUARDIAN]
        mine = await conn.fetch(
            "SELECT guardian_id FROM family_invitations WHERE user_id = $1 AND accepted_at IS NOT NULL "
            "AND revoked_at IS NULL AND school_id = $2",
            me,
            foreign["school"],
        )
        guardians = {r["guardian_id"] for r in mine}
        children = {
            r["student_id"]
            for r in await conn.fetch(
                "SELECT student_id FROM student_guardians WHERE guardian_id = ANY($1)", list(guardians)
            )
        }
        assert children, "the demo guardian has children in tenant A"
        for name, gids in foreign["by_type"].items():
            rule = READ_POLICIES.get(name, (None,))[0]
            if name == "User":
                teachers = {
                    r["user_id"] for r in await conn.fetch("SELECT user_id FROM teachers WHERE user_id IS NOT NULL")
                }
                hidden |= {g for g in gids if _pk(g) not in teachers | {me}}
                continue
            if rule is None or not rule.allows(Guardian()):
                hidden.update(gids)
                continue
            table = SPECS[name].table
            if name == "Student":
                hidden |= {g for g in gids if _pk(g) not in children}
            elif name == "Guardian":
                hidden |= {g for g in gids if _pk(g) not in guardians}
            elif "student_id" in table.c:
                where = {
                    "StudentDocument": " OR NOT shared_with_family",
                    "StudentMark": " OR exam_id IN (SELECT id FROM exams WHERE status <> 'LOCKED')",
                }.get(name, "")
                rows = await conn.fetch(
                    f"SELECT id FROM {table.name} WHERE school_id = $1 AND (student_id <> ALL($2){where})",
                    foreign["school"],
                    list(children),
                )
                hidden |= {encode_gid(name, r["id"]) for r in rows}
    return hidden


async def test_a_guardian_sees_no_other_familys_rows_in_lists_relations_and_nodes(client, foreign, family_hidden):
    headers = await bearer(client, GUARDIAN)
    seen: set[str] = set()
    for name, query in _root_lists():
        r = await client.post("/graphql", json={"query": query}, headers=headers)
        body = r.json()
        assert r.status_code == 200, (name, body)
        found = _ids(body.get("data"))
        seen |= found
        leaked = found & family_hidden
        assert not leaked, f"{GUARDIAN} saw {leaked} through {name}"
        for error in body.get("errors", []):
            assert error["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED"), (name, error)
    assert seen - family_hidden, "the guardian reads their own children's rows"
    for gids in foreign["by_type"].values():
        ids = [g for g in gids if g in family_hidden][:100]
        body = (
            await client.post(
                "/graphql",
                json={"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ids}},
                headers=headers,
            )
        ).json()
        assert body["data"]["nodes"] == [None] * len(ids), ids[:3]


def _dummy(type_: Any, gid: str) -> Any:
    """A plausible value for a required input field."""
    named = get_named_type(type_)
    if is_enum_type(named):
        return next(iter(named.values))
    if is_input_object_type(named):
        return {k: _dummy(f.type, gid) for k, f in named.fields.items() if is_non_null_type(f.type)}
    return {
        "ID": gid,
        "String": "x-probe",
        "Int": 1,
        "Boolean": False,
        "Decimal": "1.00",
        "Date": "2026-01-01",
        "DateTime": "2026-01-01T00:00:00Z",
    }.get(named.name, "x")


def _entity_of_field(field_name: str) -> str | None:
    """The type a `<thing>Id` input field names: `studentId` -> Student, `classId` -> SchoolClass
    (None when ambiguous, like `assignmentId`)."""
    stem = field_name[:-2].lower()
    exact = [n for n in SPECS if n.lower() == stem]
    if exact:
        return exact[0]
    ends = [n for n in SPECS if n.lower().endswith(stem)]
    return ends[0] if len(ends) == 1 else None


def _mutations_by_id() -> list[tuple[str, str, Any, str]]:
    """Mutations whose input names an existing row: by `id` (the payload's type) or by a
    `<thing>Id` field (studentId, examSubjectId, ...), with the type that ID must have."""
    out = []
    for name, field in SCHEMA.mutation_type.fields.items():
        arg = field.args.get("input")
        if arg is None:
            continue
        input_type = get_named_type(arg.type)
        if "id" in input_type.fields:
            payload = get_named_type(field.type)
            entity = next(
                (get_named_type(f.type).name for f in payload.fields.values() if get_named_type(f.type).name in SPECS),
                None,
            )
            if entity:
                out.append((name, entity, input_type, "id"))
            continue
        for fname, f in input_type.fields.items():
            if fname.endswith("Id") and get_named_type(f.type).name == "ID" and is_non_null_type(f.type):
                entity = _entity_of_field(fname)
                if entity:
                    out.append((name, entity, input_type, fname))
    return out


@pytest.mark.parametrize("email", ["admin@riverside.demo", "warden@lotus.demo", "teacher@riverside.demo"])
async def test_mutations_on_another_tenants_rows_look_like_missing_rows(client, db, foreign, email):
    headers = await bearer(client, email)
    checked = 0
    for name, entity, input_type, id_field in _mutations_by_id():
        for gid in foreign["by_type"].get(entity, [])[:1]:
            missing = encode_gid(entity, 987_654_321)
            async with db.acquire() as conn:
                before = await conn.fetchrow(f"SELECT * FROM {SPECS[entity].table.name} WHERE id = $1", int(_pk(gid)))
            query = f"mutation($input: {input_type.name}!) {{ {name}(input: $input) {{ errors {{ code field }} }} }}"
            answers = []
            for target in (gid, missing):
                body = (
                    await client.post(
                        "/graphql",
                        json={"query": query, "variables": {"input": {**_dummy(input_type, target), id_field: target}}},
                        headers=headers,
                    )
                ).json()
                body.pop("extensions", None)
                answers.append(body)
            assert answers[0] == answers[1], f"{email}: {name} on a foreign {entity} differs from a missing one"
            async with db.acquire() as conn:
                after = await conn.fetchrow(f"SELECT * FROM {SPECS[entity].table.name} WHERE id = $1", int(_pk(gid)))
            assert before == after, f"{email}: {name} changed a foreign {entity}"
            checked += 1
    assert checked >= 20


def _pk(gid: str) -> int:
    from kit.ids import decode_gid

    return decode_gid(gid)[1]


async def test_public_catalogue_is_open_for_public_hostels_only(client, db, foreign):
    """Visitors search room types, amenities, media and policies without logging in; a hostel
    that is not public (or not active) shows none of them, to anyone outside it."""
    lists = [
        (name, query)
        for name, query in _root_lists()
        if get_named_type(get_named_type(SCHEMA.query_type.fields[name].type).fields["nodes"].type).name in CATALOGUE
    ]
    assert len(lists) >= 8

    async def seen(headers: dict[str, str]) -> set[str]:
        found: set[str] = set()
        for _, query in lists:
            body = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
            assert "errors" not in body, body
            found |= _ids(body["data"])
        return found & foreign["catalogue"]

    visitor = await bearer(client, "visitor@demo.campus")
    assert await seen({}) and await seen(visitor) == await seen({})
    async with db.acquire() as conn:
        await conn.execute("UPDATE hostels SET is_public = false WHERE id = $1", foreign["hostel"])
    try:
        assert await seen({}) == set() and await seen(visitor) == set()
        assert await seen(await bearer(client, "warden@lotus.demo")) == set()
        assert await seen(await bearer(client, "warden@sunrise.demo"))  # the hostel's own staff still do
    finally:
        async with db.acquire() as conn:
            await conn.execute("UPDATE hostels SET is_public = true WHERE id = $1", foreign["hostel"])


async def test_wrong_role_is_forbidden_and_changes_nothing(client, foreign):
    teacher = await bearer(client, "teacher@greenwood.demo")
    body = (
        await client.post(
            "/graphql",
            json={
                "query": 'mutation($id: ID!) { schoolUpdate(input: {id: $id, name: "Hacked"}) { errors { code } } }',
                "variables": {"id": foreign["by_type"]["School"][0]},
            },
            headers=teacher,
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["data"] is None
    admin = await bearer(client, "admin@greenwood.demo")
    names = (await client.post("/graphql", json={"query": "{ schools { nodes { name } } }"}, headers=admin)).json()
    assert names["data"]["schools"]["nodes"] == [{"name": "Greenwood High School"}]
    anonymous = (await client.post("/graphql", json={"query": "{ users { totalCount } }"})).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_contact_data_of_others_is_for_administrators(client):
    teacher = await bearer(client, "teacher@greenwood.demo")
    me = (await client.post("/graphql", json={"query": "{ me { user { email phone } } }"}, headers=teacher)).json()
    assert me["data"]["me"]["user"]["email"] == "teacher@greenwood.demo"
    admin = await bearer(client, "admin@greenwood.demo")
    users = (
        await client.post("/graphql", json={"query": "{ users(first: 50) { nodes { email } } }"}, headers=admin)
    ).json()
    emails = {n["email"] for n in users["data"]["users"]["nodes"]}
    assert "teacher@greenwood.demo" in emails and "admin@riverside.demo" not in emails
    # a teacher reaching another user (through a relation or node) gets null and FORBIDDEN for the email
    other = (await client.post("/graphql", json={"query": "{ users { nodes { email } } }"}, headers=teacher)).json()
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# Root fields that are not lists, and the tests that prove their isolation.
OWN_CHECKS = {
    "hostelAvailability": "tests/test_hostel_reads.py::test_private_hostels_are_hidden_from_visitors",
    "hostelOccupancy": "tests/test_hostel_reads.py::test_occupancy_reads_only_the_active_hostel",
    "myResidence": "tests/test_hostel_reads.py::test_my_residence_is_null_for_anyone_not_living_there",
    "hostelPortfolio": "tests/test_hostel_reads.py::test_portfolio_lists_exactly_the_hostels_the_admin_holds",
    "complaintBoard": "tests/test_complaints.py::test_the_board_counts_the_active_hostels_unresolved_complaints_only",
    "node": "test_node_answers_null_for_another_tenants_ids",
    "nodes": "test_node_answers_null_for_another_tenants_ids",
    "me": "tests/test_auth.py",
    "marksheet": "tests/test_exams.py::test_marksheet_of_another_school_or_a_non_candidate_is_null",
    "myClasses": "tests/test_attendance.py",
    "classAttendanceSummary": "tests/test_attendance.py",
    "studentAttendanceStats": "tests/test_attendance.py",
    "feePaymentByIdempotencyKey": "tests/test_payments.py::test_a_key_of_another_school_finds_nothing",
    # each caller reads only their own budget (their user, or their address when anonymous)
    "rateLimit": "tests/test_rate_limits.py::test_one_users_spending_does_not_show_in_anothers_budget",
    **dict.fromkeys(
        ("dailyCash", "feeHeadSummary", "monthlyPnl", "sessionPnl", "studentLedger"),
        "tests/test_reports.py::test_reports_show_nothing_of_another_school",
    ),
}


def test_every_root_field_is_covered_by_the_matrix():
    covered = {name for name, _ in _root_lists()}
    others = set(SCHEMA.query_type.fields) - covered
    unchecked = others - set(OWN_CHECKS)
    assert unchecked == set(), "a new kind of root field needs its own isolation check (and an entry in OWN_CHECKS)"
