"""Attacks on the entity kit from the outside (issue 11): hostile clients over HTTP with real
tokens, looking for classes of defects the generated machinery could share."""

from __future__ import annotations

import datetime as dt

from kit.ids import encode_gid
from tests.conftest import bearer
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
        assert data(await call(client, admin, "query($id: ID!) { node(id: $id) { id } }", {"id": stranger}))["node"] is None
        # ... so they cannot name it either: NOT_FOUND, as if it did not exist
        body = data(await call(client, admin, TEACHER_CREATE, {"input": {"userId": stranger}}))["teacherCreate"]
        assert body["teacher"] is None and [(e["field"][-1], e["code"]) for e in body["errors"]] == [("userId", "NOT_FOUND")], body
    # a user of their own school is fine, and an update cannot re-point it at a stranger
    async with db.acquire() as conn:
        own = await conn.fetchval("SELECT user_id FROM role_assignments WHERE school_id = $1 AND role = 'ACCOUNTANT'",
                                  school["id"])
    created = ok(await call(client, admin, TEACHER_CREATE, {"input": {"userId": encode_gid("User", own)}}), "teacherCreate")
    stranger = encode_gid("User", await _user_id(db, "admin@riverside.demo"))
    body = data(await call(client, admin, TEACHER_UPDATE, {"input": {"id": created["teacher"]["id"], "userId": stranger}}))
    assert [(e["field"][-1], e["code"]) for e in body["teacherUpdate"]["errors"]] == [("userId", "NOT_FOUND")], body


async def test_relation_to_a_user_keeps_the_user_read_rule(client, db):
    """`ExpenseVoucher.createdBy` (a relation the declarations added): an accountant, who may
    not read users, must not read the author's contacts through it."""
    school = await own_school(client, db, "ATKU")
    day = today() - dt.timedelta(days=2)
    ok(await call(client, school["SCHOOL_ADMIN"], VOUCHER_CREATE, voucher_input(school["head"], day, "7.00")),
       "expenseVoucherCreate")
    body = await call(client, school["ACCOUNTANT"], "{ expenseVouchers(first: 5) { nodes { amount createdBy { id email phone } } } }")
    nodes = body["data"]["expenseVouchers"]["nodes"]
    assert nodes and all(n["createdBy"] is None or (n["createdBy"]["email"] is None and n["createdBy"]["phone"] is None)
                         for n in nodes), body
