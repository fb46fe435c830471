"""Role memberships: who may give which role where, and what a new membership does."""

from __future__ import annotations

from kit.ids import decode_gid, encode_gid
from tests.conftest import bearer, login, unique

ASSIGN = """mutation($input: RoleAssignInput!) { roleAssign(input: $input) {
  roleAssignment { id role school { schoolCode } user { id } } errors { code field message } } }"""


async def _user(gql) -> str:
    email = f"{unique('member').lower()}@test.campus"
    body = await gql(
        """mutation($i: UserCreateInput!) { userCreate(input: $i) { user { id } errors { code message } } }""",
        {"i": {"email": email, "role": "TEACHER", "fullName": "New Member", "password": "Member-pass-2026"}},
    )
    return body["data"]["userCreate"]["user"]["id"], email


async def test_a_platform_admin_gives_a_role_and_it_takes_effect(gql, client, db):
    user_id, email = await _user(gql)
    async with db.acquire() as conn:
        greenwood = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
    body = await gql(
        ASSIGN, {"input": {"userId": user_id, "role": "TEACHER", "tenantId": encode_gid("School", greenwood)}}
    )
    assert body["data"]["roleAssign"]["errors"] == []
    assert body["data"]["roleAssign"]["roleAssignment"]["school"] == {"schoolCode": "DEMO-GWH"}
    tokens = await login(client, email, "Member-pass-2026")
    me = (
        await client.post(
            "/graphql",
            json={"query": "{ me { rolesInForce activeTenant { ... on School { schoolCode } } } }"},
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        )
    ).json()
    assert me["data"]["me"] == {"rolesInForce": ["TEACHER"], "activeTenant": {"schoolCode": "DEMO-GWH"}}


async def test_a_school_admin_gives_school_roles_in_their_own_school_only(gql, client, db):
    user_id, _ = await _user(gql)
    async with db.acquire() as conn:
        greenwood = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
        riverside = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-RVP'")
    admin = await bearer(client, "admin@riverside.demo")

    async def assign(role, school):
        r = await client.post(
            "/graphql",
            json={
                "query": ASSIGN,
                "variables": {"input": {"userId": user_id, "role": role, "tenantId": encode_gid("School", school)}},
            },
            headers=admin,
        )
        return r.json()["data"]["roleAssign"]

    assert (await assign("ACCOUNTANT", riverside))["errors"] == []
    assert (await assign("ACCOUNTANT", greenwood))["errors"][0]["code"] == "FORBIDDEN"
    assert (await assign("SCHOOL_ADMIN", riverside))["errors"][0]["code"] == "FORBIDDEN"
    teacher = await bearer(client, "teacher@riverside.demo")
    r = await client.post(
        "/graphql",
        json={
            "query": ASSIGN,
            "variables": {"input": {"userId": user_id, "role": "TEACHER", "tenantId": encode_gid("School", riverside)}},
        },
        headers=teacher,
    )
    assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_platform_roles_take_no_tenant(gql):
    user_id, _ = await _user(gql)
    body = await gql(ASSIGN, {"input": {"userId": user_id, "role": "TEACHER"}})
    assert body["data"]["roleAssign"]["errors"][0]["field"] == ["input", "tenantId"]


async def test_only_the_super_admin_gives_or_takes_away_platform_roles(gql, client, db):
    """A platform admin manages every tenant's roles, but a platform role from them would let
    them make themselves (or a friend) super admin: every platform role, both ways."""
    from models.user import PLATFORM_ROLES

    platform_admin = await bearer(client, "platform@demo.campus")

    async def as_platform_admin(query, variables):
        r = await client.post("/graphql", json={"query": query, "variables": variables}, headers=platform_admin)
        return r.json()

    for role in sorted(r.value for r in PLATFORM_ROLES):
        user_id, _ = await _user(gql)
        refused = await as_platform_admin(ASSIGN, {"input": {"userId": user_id, "role": role}})
        assert refused["data"]["roleAssign"]["errors"][0]["code"] == "FORBIDDEN", (role, refused)
        pk = int(decode_gid(user_id)[1])
        async with db.acquire() as conn:
            count = "SELECT count(*) FROM role_assignments WHERE user_id = $1 AND role = $2"
            assert await conn.fetchval(count, pk, role) == 0
        given = await gql(ASSIGN, {"input": {"userId": user_id, "role": role}})  # the super admin
        assert given["data"]["roleAssign"]["errors"] == [], (role, given)
        membership = given["data"]["roleAssign"]["roleAssignment"]["id"]
        revoke = """mutation($id: ID!) { roleRevoke(input: {id: $id}) { roleAssignment { id } errors { code } } }"""
        kept = await as_platform_admin(revoke, {"id": membership})
        assert kept["data"]["roleRevoke"]["errors"][0]["code"] == "NOT_FOUND", (role, kept)
        async with db.acquire() as conn:
            assert await conn.fetchval(
                "SELECT active FROM role_assignments WHERE user_id = $1 AND role = $2", pk, role
            ), "a platform admin took a platform role away"
    # what a platform admin may do is unchanged: tenant roles anywhere
    user_id, _ = await _user(gql)
    async with db.acquire() as conn:
        greenwood = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
    body = await as_platform_admin(
        ASSIGN, {"input": {"userId": user_id, "role": "SCHOOL_ADMIN", "tenantId": encode_gid("School", greenwood)}}
    )
    assert body["data"]["roleAssign"]["errors"] == []
