"""Attacks on the entity kit from the outside (issue 11): hostile clients over HTTP with real
tokens, looking for classes of defects the generated machinery could share."""

from __future__ import annotations

import datetime as dt

import pytest

from kit.ids import encode_gid
from tests.test_finance import VOUCHER_CREATE, call, data, ok, own_school, today, voucher_input

TEACHER_CREATE = """mutation($input: TeacherCreateInput!) { teacherCreate(input: $input) {
  teacher { id } errors { field code message } } }"""
TEACHER_UPDATE = """mutation($input: TeacherUpdateInput!) { teacherUpdate(input: $input) {
  teacher { id } errors { field code message } } }"""


async def _user_id(db, email: str) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval("SELECT id FROM users WHERE email = $1", email)


async def test_generated_reference_takes_only_rows_the_caller_may_read(client, db):
    """A generated create/update checked a reference only against the tenant; a tenant-less
    target (users) was taken whatever the caller may read: a school admin linked another
    school's admin (or the platform's super admin) as a teacher of their school."""
    school = await own_school(client, db, "ATK")
    admin = school["SCHOOL_ADMIN"]
    for email in ("admin@riverside.demo", "superadmin@demo.campus"):
        stranger = encode_gid("User", await _user_id(db, email))
        # the admin cannot read that user ...
        assert (
            data(await call(client, admin, "query($id: ID!) { node(id: $id) { id } }", {"id": stranger}))["node"]
            is None
        )
        # ... so they cannot name it either: NOT_FOUND, as if it did not exist
        body = data(await call(client, admin, TEACHER_CREATE, {"input": {"userId": stranger}}))["teacherCreate"]
        assert body["teacher"] is None and [(e["field"][-1], e["code"]) for e in body["errors"]] == [
            ("userId", "NOT_FOUND")
        ], body
    # a user of their own school is fine, and an update cannot re-point it at a stranger
    async with db.acquire() as conn:
        own = await conn.fetchval(
            "SELECT user_id FROM role_assignments WHERE school_id = $1 AND role = 'ACCOUNTANT'", school["id"]
        )
    created = ok(
        await call(client, admin, TEACHER_CREATE, {"input": {"userId": encode_gid("User", own)}}), "teacherCreate"
    )
    stranger = encode_gid("User", await _user_id(db, "admin@riverside.demo"))
    body = data(
        await call(client, admin, TEACHER_UPDATE, {"input": {"id": created["teacher"]["id"], "userId": stranger}})
    )
    assert [(e["field"][-1], e["code"]) for e in body["teacherUpdate"]["errors"]] == [("userId", "NOT_FOUND")], body


async def test_relation_to_a_user_keeps_the_user_read_rule(client, db):
    """`ExpenseVoucher.createdBy` (a relation the declarations added): an accountant, who may
    not read users, must not read the author's contacts through it."""
    school = await own_school(client, db, "ATKU")
    day = today() - dt.timedelta(days=2)
    ok(
        await call(client, school["SCHOOL_ADMIN"], VOUCHER_CREATE, voucher_input(school["head"], day, "7.00")),
        "expenseVoucherCreate",
    )
    body = await call(
        client, school["ACCOUNTANT"], "{ expenseVouchers(first: 5) { nodes { amount createdBy { id email phone } } } }"
    )
    nodes = body["data"]["expenseVouchers"]["nodes"]
    assert nodes and all(
        n["createdBy"] is None or (n["createdBy"]["email"] is None and n["createdBy"]["phone"] is None) for n in nodes
    ), body


ROLES = (
    "teacher@greenwood.demo",
    "accounts@greenwood.demo",
    "resident@sunrise.demo",
    "supervisor@sunrise.demo",
    "visitor@demo.campus",
    "multi@demo.campus",
    "warden@lotus.demo",
)


def _relation_queries() -> list[tuple[str, str, dict[str, str]]]:
    """(root list, query, alias -> target type) for every root connection: each node with the
    id of every relation (to-one and to-many) of its type, one level down."""
    from pathlib import Path

    from graphql import GraphQLNonNull, GraphQLObjectType, build_schema, get_named_type

    s = build_schema((Path(__file__).resolve().parent.parent / "schema.graphql").read_text())
    out = []
    for lname, lfield in s.query_type.fields.items():
        conn = get_named_type(lfield.type)
        if not (isinstance(conn, GraphQLObjectType) and conn.name.endswith("Connection") and "nodes" in conn.fields):
            continue
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in lfield.args.values()):
            continue
        node = get_named_type(conn.fields["nodes"].type)
        parts, targets = [], {}
        for fname, f in node.fields.items():
            t = get_named_type(f.type)
            if not isinstance(t, GraphQLObjectType):
                continue
            if any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in f.args.values()):
                continue
            if "id" in t.fields and any(i.name == "Node" for i in t.interfaces):
                parts.append(f"{fname} {{ id }}")
                targets[fname] = t.name
            elif t.name.endswith("Connection") and "nodes" in t.fields and "first" in f.args:
                inner = get_named_type(t.fields["nodes"].type)
                if "id" in getattr(inner, "fields", {}):
                    parts.append(f"{fname}(first: 20) {{ nodes {{ id }} }}")
                    targets[fname] = inner.name
        if parts:
            out.append((lname, f"{{ {lname}(first: 20) {{ nodes {{ id {' '.join(parts)} }} }} }}", targets))
    return out


@pytest.mark.slow
async def test_every_row_reached_through_a_relation_is_one_node_gives_the_caller(client, db):
    """Relations generated from `reference(back=...)` must not reach rows the target type's read
    rule or row filter keeps from the caller: whatever id a relation returns, node(id:) returns
    to the same caller (it applies the type's read policy). Every root list, every relation, for
    a teacher, an accountant, a resident, a supervisor, a visitor, a multi-school user and a warden.
    The one exception by design: a user reaches their own User row (`Teacher.user` of themselves;
    `users_of_tenant` lets everyone see themselves, whatever the read rule of `users`)."""
    from tests.conftest import as_user

    leaks = []
    queries = _relation_queries()
    assert len(queries) > 50
    for email in ROLES:
        g = await as_user(client, email)
        me = encode_gid("User", await _user_id(db, email))
        for lname, query, targets in queries:
            body = await g(query, expect_errors=True)
            conn = (body.get("data") or {}).get(lname)
            if not conn:
                continue
            reached = set()
            for node in conn["nodes"] or []:
                for alias, target in targets.items():
                    value = node.get(alias)
                    if isinstance(value, dict) and "nodes" in value:
                        reached |= {(alias, target, n["id"]) for n in value["nodes"] or [] if n}
                    elif isinstance(value, dict) and value.get("id"):
                        reached.add((alias, target, value["id"]))
            if not reached:
                continue
            reached_list = sorted(reached)
            ids = [r[2] for r in reached_list]
            seen = []
            for i in range(0, len(ids), 100):
                found = await g(
                    "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[i : i + 100]}, expect_errors=True
                )
                seen += (found.get("data") or {}).get("nodes") or [None] * len(ids[i : i + 100])
            for (alias, target, gid), got in zip(reached_list, seen):
                if got is None and (target, gid) != ("User", me):
                    leaks.append(f"{email}: {lname}.{alias} -> {target} {gid}")
    assert not leaks, "\n".join(sorted(set(leaks))[:60])


@pytest.mark.slow
async def test_node_of_every_listed_type_stays_in_its_tenant(client, db):
    """node(id:) of every root list's rows of one school and one hostel, asked by the
    administrators, staff and members of the other school and hostel: null, unless a visitor
    (no tenant) may see the row too (the public catalogue)."""
    from graphql import GraphQLObjectType, build_schema, get_named_type
    from pathlib import Path

    from tests.conftest import as_user

    s = build_schema((Path(__file__).resolve().parent.parent / "schema.graphql").read_text())
    lists = []
    for lname, lfield in s.query_type.fields.items():
        conn = get_named_type(lfield.type)
        if (
            isinstance(conn, GraphQLObjectType)
            and conn.name.endswith("Connection")
            and "nodes" in conn.fields
            and not any(str(a.type).endswith("!") and a.default_value is None for a in lfield.args.values())
            and "id" in get_named_type(conn.fields["nodes"].type).fields
        ):
            lists.append(lname)
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        hostel = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
    ids: list[str] = []
    for tenant in (encode_gid("School", school), encode_gid("Hostel", hostel)):
        sa = await as_user(client, "superadmin@demo.campus", tenant)
        for lname in lists:
            body = await sa(f"{{ {lname}(first: 10) {{ nodes {{ id }} }} }}", expect_errors=True)
            conn_ = (body.get("data") or {}).get(lname)
            ids += [n["id"] for n in (conn_ or {}).get("nodes") or [] if n]
    from kit.ids import decode_gid
    from kit.registry import get_spec

    def tenant_row(gid: str) -> bool:  # rows of a table with a tenant key (users, schools: memberships decide)
        spec = get_spec(decode_gid(gid)[0])
        return spec is not None and spec.tenant_key is not None

    ids = sorted({gid for gid in ids if tenant_row(gid)})
    assert len(ids) > 200

    async def visible(g) -> set[str]:
        out = set()
        for i in range(0, len(ids), 100):
            body = await g(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[i : i + 100]}, expect_errors=True
            )
            out |= {n["id"] for n in (body.get("data") or {}).get("nodes") or [] if n}
        return out

    public = await visible(await as_user(client, "visitor@demo.campus"))
    leaks = []
    for email in ("admin@riverside.demo", "accounts@riverside.demo", "teacher@riverside.demo", "warden@lotus.demo"):
        for gid in sorted(await visible(await as_user(client, email)) - public):
            leaks.append(f"{email}: {gid}")
    assert not leaks, "\n".join(f"{leak} {decode_gid(leak.split(': ')[1])}" for leak in leaks[:60])


async def test_a_warden_of_two_hostels_cannot_cross_them_through_references(client, db):
    """The warden of Sunrise and Lotus, working in Lotus, names Sunrise rows: a generated create
    (bedCreate.roomId), a frame-scope workflow (roomPriceChange.roomId) and an own-scope one
    (bookingApprove.id, bedId). Each is NOT_FOUND and writes nothing."""
    from tests.conftest import as_user

    async with db.acquire() as conn:
        sunrise, lotus = [
            await conn.fetchval("SELECT id FROM hostels WHERE slug = $1", s) for s in ("demo-sunrise", "demo-lotus")
        ]
        room = await conn.fetchval("SELECT id FROM rooms WHERE hostel_id = $1 AND active ORDER BY id LIMIT 1", sunrise)
        bed = await conn.fetchval("SELECT id FROM beds WHERE hostel_id = $1 AND active ORDER BY id LIMIT 1", sunrise)
        booking = await conn.fetchval(
            "SELECT id FROM bookings WHERE hostel_id = $1 AND status = 'PENDING' ORDER BY id LIMIT 1", sunrise
        )
        before = await conn.fetchval("SELECT count(*) FROM beds WHERE room_id = $1", room)
    warden = await as_user(client, "warden@sunrise.demo", encode_gid("Hostel", lotus))
    err = "errors { field code }"
    calls = [
        (
            "bedCreate",
            f"mutation($i: BedCreateInput!) {{ bedCreate(input: $i) {{ bed {{ id }} {err} }} }}",
            {"roomId": encode_gid("Room", room), "bedNumber": "X-ATK"},
        ),
        (
            "roomPriceChange",
            f"mutation($i: RoomPriceChangeInput!) {{ roomPriceChange(input: $i) {{ room {{ id }} {err} }} }}",
            {
                "roomId": encode_gid("Room", room),
                "newMonthlyRent": "1.00",
                "effectiveFrom": dt.date.today().isoformat(),
                "reason": "attack",
            },
        ),
    ]
    if booking is not None:
        calls.append(
            (
                "bookingApprove",
                f"mutation($i: BookingApproveInput!) {{ bookingApprove(input: $i) {{ booking {{ id }} {err} }} }}",
                {"id": encode_gid("Booking", booking), "bedId": encode_gid("Bed", bed)},
            )
        )
    for name, query, inp in calls:
        body = (await warden(query, {"i": inp}))["data"][name]
        assert [e["code"] for e in body["errors"]] == ["NOT_FOUND"], (name, body)
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM beds WHERE room_id = $1", room) == before
        if booking is not None:
            assert await conn.fetchval("SELECT status FROM bookings WHERE id = $1", booking) == "PENDING"


SCHOOL_UPDATE = (
    """mutation($i: SchoolUpdateInput!) { schoolUpdate(input: $i) { school { id name } errors { field code } } }"""
)


async def test_an_admin_changes_only_the_school_they_administer(client, db):
    """The generated update's default write filter is the read filter: `schools` shows every
    school a user holds ANY role in, so a school admin of A who teaches at B could rename B
    (and change its contacts) while working in A. The write filter must be the school they
    administer in the context they work in."""
    from tests.conftest import login, make_schools, tenant_header, unique
    from tests.test_finance import new_user

    a, b = await make_schools(db, unique("ATKS"), 2)
    email = await new_user(db, a["id"], "SCHOOL_ADMIN")
    async with db.acquire() as conn:
        user_id = await conn.fetchval("SELECT id FROM users WHERE email = $1", email)
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, school_id) VALUES ($1, 'TEACHER', $2)", user_id, b["id"]
        )
    tokens = await login(client, email)
    assert tokens["errors"] == [], tokens
    in_a = {"Authorization": f"Bearer {tokens['accessToken']}", **tenant_header(a["gid"])}
    # A is theirs to change
    assert ok(await call(client, in_a, SCHOOL_UPDATE, {"i": {"id": a["gid"], "name": "Renamed A"}}), "schoolUpdate")
    # B, where they only teach, is not, whatever tenant they work in
    for headers in (in_a, {"Authorization": in_a["Authorization"], **tenant_header(b["gid"])}):
        body = await call(
            client, headers, SCHOOL_UPDATE, {"i": {"id": b["gid"], "name": "Pwned", "contactEmail": "x@evil.test"}}
        )
        result = (body.get("data") or {}).get("schoolUpdate")
        assert result is None or [e["code"] for e in result["errors"]] in (["NOT_FOUND"], ["FORBIDDEN"]), body
        if result is None:
            assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED"), body
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT name FROM schools WHERE id = $1", b["id"]) != "Pwned"


def test_a_tenantless_table_writable_by_a_tenant_role_must_say_its_rows():
    """The class behind the school rename: the kit refuses to build an update/deactivate of a
    table without a tenant key for tenant roles when no write filter is declared."""
    import pytest

    from kit.mutations import master_data_mutations
    from models import School
    from models.school.access import ADMINS, PLATFORM_ONLY

    with pytest.raises(TypeError, match="no tenant key"):
        master_data_mutations(
            School,
            writable=("name",),
            verbs=("create", "update"),
            permissions={"create": PLATFORM_ONLY, "update": ADMINS},
        )


async def test_a_visitor_reaches_no_other_visitors_booking(client, db):
    """Owner-read rows (a visitor's bookings, without a tenant): another visitor gets none of them,
    by node(id:), by the root lists of the booking records, or through their relations."""
    from auth.passwords import hash_password

    import demo
    from tests.conftest import as_user, unique

    email = f"{unique('visitor')}@attack.test"
    async with db.acquire() as conn:
        uid = await conn.fetchval(
            "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'VISITOR') RETURNING id",
            email,
            hash_password(demo.DEMO_PASSWORD),
        )
        await conn.execute("INSERT INTO role_assignments (user_id, role) VALUES ($1, 'VISITOR')", uid)
        theirs = [
            encode_gid("Booking", r["id"])
            for r in await conn.fetch(
                "SELECT b.id FROM bookings b JOIN users u ON u.id = b.booker_user_id WHERE u.email = 'visitor@demo.campus'"
            )
        ]
    assert theirs
    owner, other = await as_user(client, "visitor@demo.campus"), await as_user(client, email)
    assert all((await owner("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": theirs}))["data"]["nodes"])
    assert (await other("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": theirs}))["data"]["nodes"] == [
        None
    ] * len(theirs)
    for lname in (
        "bookings",
        "bookingStatusHistory",
        "bookingGuests",
        "guestDocuments",
        "bookingApprovals",
        "rejectionRecords",
        "bookingCancellations",
        "refundTransactions",
        "bookingModifications",
        "bookingWaitlist",
    ):
        body = await other(f"{{ {lname}(first: 50) {{ nodes {{ id }} }} }}", expect_errors=True)
        assert ((body.get("data") or {}).get(lname) or {"nodes": []})["nodes"] == [], (lname, body)


async def test_the_audit_entry_is_written_for_a_change_and_only_for_one(client, db):
    """Generated and workflow (frame-scope) mutations: a refused call leaves no activity entry,
    a successful one exactly one naming the mutation and the row."""
    school = await own_school(client, db, "ATKL")
    admin = school["SCHOOL_ADMIN"]

    async def logs() -> list[tuple[str, int | None]]:
        async with db.acquire() as conn:
            return [
                (r["action"], r["entity_id"])
                for r in await conn.fetch(
                    "SELECT action, entity_id FROM activity_logs WHERE school_id = $1 ORDER BY id", school["id"]
                )
            ]

    before = await logs()
    stranger = encode_gid("User", await _user_id(db, "admin@riverside.demo"))
    assert data(await call(client, admin, TEACHER_CREATE, {"input": {"userId": stranger}}))["teacherCreate"]["errors"]
    session_create = """mutation($i: AcademicSessionCreateInput!) { academicSessionCreate(input: $i) {
      academicSession { id } errors { code } } }"""
    bad = {"name": "2099-00", "startDate": "2031-04-01", "endDate": "2030-03-31"}
    assert data(await call(client, admin, session_create, {"i": bad}))["academicSessionCreate"]["errors"]
    assert await logs() == before
    made = ok(await call(client, admin, TEACHER_CREATE, {"input": {}}), "teacherCreate")
    from kit.ids import decode_gid

    assert await logs() == [*before, ("teacherCreate", decode_gid(made["teacher"]["id"])[1])]
