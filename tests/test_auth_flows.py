"""The login paths no test ran before issue 19: login into a chosen tenant, an inactive user's
login, a user deactivated (or suspended) after login, refresh tokens (working, used, expired,
tampered), and `roleRevoke` with what the user notices on their next request.

Each test makes its own schools, hostel and users (through the API where one exists); demo
rows are only read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from kit.ids import encode_gid
from tests.conftest import as_user, make_schools, unique

PASSWORD = "Flow-pass-2026"
BAD_CREDENTIALS = [{"code": "INVALID", "field": None, "message": "The email or the password is not correct."}]
NO_ROLE_THERE = [{"code": "FORBIDDEN", "field": ["input", "tenantId"], "message": "You hold no role in that tenant."}]
BAD_REFRESH = [
    {"code": "INVALID", "field": ["input", "refreshToken"], "message": "This refresh token is not valid; log in again."}
]

LOGIN = """mutation($input: TokenCreateInput!) { tokenCreate(input: $input) {
  accessToken refreshToken tokenType expiresAt errors { code field message } } }"""
REFRESH = """mutation($t: String!) { tokenRefresh(input: {refreshToken: $t}) {
  accessToken refreshToken tokenType expiresAt errors { code field message } } }"""
ME = """{ me { user { email } rolesInForce activeTenant { __typename ... on School { schoolCode } ... on Hostel { slug } }
          academicSession { name } sessions { totalCount } } }"""
USER_CREATE = """mutation($i: UserCreateInput!) { userCreate(input: $i) { user { id } errors { code message } } }"""
ASSIGN = """mutation($i: RoleAssignInput!) { roleAssign(input: $i) { roleAssignment { id active } errors { code field message } } }"""
REVOKE = """mutation($id: ID!) { roleRevoke(input: {id: $id}) {
  roleAssignment { id role active school { schoolCode } } errors { code field message } } }"""
DEACTIVATE = (
    """mutation($id: ID!) { userDeactivate(input: {id: $id}) { user { email active } errors { code message } } }"""
)


@pytest.fixture
async def own_client(app):
    """A client from an address of its own, so that login throttling stays within the test."""
    transport = httpx.ASGITransport(app=app, client=(f"10.8.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


async def _post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    tenant: str | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if tenant:
        headers["X-Tenant-Id"] = tenant
    r = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return r.status_code, r.json()


async def _login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, tenant: str | None = None
) -> dict[str, Any]:
    variables = {"input": {"email": email, "password": password, **({"tenantId": tenant} if tenant else {})}}
    status, body = await _post(client, LOGIN, variables)
    assert status == 200 and "errors" not in body, body
    return body["data"]["tokenCreate"]


async def _refresh(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    status, body = await _post(client, REFRESH, {"t": token})
    assert status == 200 and "errors" not in body, body
    return body["data"]["tokenRefresh"]


async def _me(client: httpx.AsyncClient, token: str, tenant: str | None = None) -> tuple[int, dict[str, Any]]:
    return await _post(client, ME, token=token, tenant=tenant)


async def _user(gql: Any, memberships: list[tuple[str, str]] = (), school: str | None = None) -> dict[str, Any]:
    """A new user (created by the demo super admin) holding `memberships` [(role, tenant gid)]."""
    email = f"{unique('flow').lower()}@test.campus"
    created = (
        await gql(
            USER_CREATE,
            {
                "i": {
                    "email": email,
                    "role": memberships[0][0] if memberships else "VISITOR",
                    "fullName": "Flow User",
                    "password": PASSWORD,
                    **({"schoolId": school} if school else {}),
                }
            },
        )
    )["data"]["userCreate"]
    assert created["errors"] == [], created
    ids = []
    for role, tenant in memberships:
        given = (await gql(ASSIGN, {"i": {"userId": created["user"]["id"], "role": role, "tenantId": tenant}}))["data"][
            "roleAssign"
        ]
        assert given["errors"] == [], given
        ids.append(given["roleAssignment"]["id"])
    return {"id": created["user"]["id"], "email": email, "memberships": ids}


async def _hostel(gql: Any) -> dict[str, str]:
    slug = unique("flow-hostel").lower()
    made = (
        await gql(
            """mutation($i: HostelCreateInput!) { hostelCreate(input: $i) { hostel { id slug } errors { code message } } }""",
            {"i": {"name": f"Flow Hostel {slug}", "slug": slug, "hostelType": "CO_ED"}},
        )
    )["data"]["hostelCreate"]
    assert made["errors"] == [], made
    return made["hostel"]


# ---- login into a chosen tenant ---------------------------------------------------------------


async def test_login_with_a_chosen_school_scopes_the_token_to_it_and_refresh_keeps_it(gql, own_client, db):
    a, b, c = await make_schools(db, unique("AFT"), 3, sessions_per_school=1)
    user = await _user(gql, [("TEACHER", a["gid"]), ("ACCOUNTANT", b["gid"])], school=a["gid"])

    plain = await _login(own_client, user["email"])
    assert plain["errors"] == [] and plain["tokenType"] == "Bearer"
    _, body = await _me(own_client, plain["accessToken"])
    assert body["data"]["me"]["activeTenant"] == {"__typename": "School", "schoolCode": a["code"]}  # the primary school
    assert body["data"]["me"]["rolesInForce"] == ["TEACHER"]

    chosen = await _login(own_client, user["email"], tenant=b["gid"])
    assert chosen["errors"] == []
    _, body = await _me(own_client, chosen["accessToken"])
    me = body["data"]["me"]
    assert me["activeTenant"] == {"__typename": "School", "schoolCode": b["code"]}
    assert me["rolesInForce"] == ["ACCOUNTANT"] and me["academicSession"] == {"name": "2020-21"}

    # the refreshed token stays in the tenant chosen at login
    renewed = await _refresh(own_client, chosen["refreshToken"])
    assert renewed["errors"] == []
    _, body = await _me(own_client, renewed["accessToken"])
    assert body["data"]["me"]["activeTenant"] == {"__typename": "School", "schoolCode": b["code"]}
    assert body["data"]["me"]["rolesInForce"] == ["ACCOUNTANT"]

    # a school where the user holds no role, and one that does not exist, get the same clear refusal
    for tenant in (c["gid"], encode_gid("School", 2_000_000_000)):
        refused = await _login(own_client, user["email"], tenant=tenant)
        assert refused == {
            "accessToken": None,
            "refreshToken": None,
            "tokenType": None,
            "expiresAt": None,
            "errors": NO_ROLE_THERE,
        }, tenant
    # something that is not a tenant's ID is invalid input, named as such
    for bad in (encode_gid("Student", a["id"]), "not-an-id"):
        refused = await _login(own_client, user["email"], tenant=bad)
        assert refused["accessToken"] is None
        assert refused["errors"] == [
            {
                "code": "INVALID",
                "field": ["input", "tenantId"],
                "message": "tenantId must be the ID of a School or a Hostel.",
            }
        ], bad
    # a wrong password says only that, whatever the tenant (the tenant check comes after it)
    wrong = await _login(own_client, user["email"], "Wrong-pass-2026", tenant=c["gid"])
    assert wrong["accessToken"] is None and wrong["errors"] == BAD_CREDENTIALS

    # the refused logins opened no session: the two good logins and this one are all there is
    last = await _login(own_client, user["email"])
    _, body = await _me(own_client, last["accessToken"])
    assert body["data"]["me"]["sessions"]["totalCount"] == 3


async def test_login_into_a_hostel_and_a_platform_role_into_any_tenant(gql, own_client, db):
    hostel, other = await _hostel(gql), await _hostel(gql)
    [school] = await make_schools(db, unique("AFP"), 1, sessions_per_school=1)
    supervisor = await _user(gql, [("SUPERVISOR", hostel["id"])])

    tokens = await _login(own_client, supervisor["email"], tenant=hostel["id"])
    assert tokens["errors"] == []
    _, body = await _me(own_client, tokens["accessToken"])
    assert body["data"]["me"]["activeTenant"] == {"__typename": "Hostel", "slug": hostel["slug"]}
    assert body["data"]["me"]["rolesInForce"] == ["SUPERVISOR"] and body["data"]["me"]["academicSession"] is None
    assert (await _login(own_client, supervisor["email"], tenant=other["id"]))["errors"] == NO_ROLE_THERE
    assert (await _login(own_client, supervisor["email"], tenant=school["gid"]))["errors"] == NO_ROLE_THERE

    # a platform role logs in to any existing tenant, and works there as itself
    admin = await _user(gql)
    assert (await gql(ASSIGN, {"i": {"userId": admin["id"], "role": "PLATFORM_ADMIN"}}))["data"]["roleAssign"][
        "errors"
    ] == []
    for tenant, expected in (
        (school["gid"], {"__typename": "School", "schoolCode": school["code"]}),
        (other["id"], {"__typename": "Hostel", "slug": other["slug"]}),
    ):
        tokens = await _login(own_client, admin["email"], tenant=tenant)
        assert tokens["errors"] == [], tenant
        _, body = await _me(own_client, tokens["accessToken"])
        assert body["data"]["me"]["activeTenant"] == expected
        assert body["data"]["me"]["rolesInForce"] == ["PLATFORM_ADMIN"]


# ---- inactive users ---------------------------------------------------------------------------


async def test_an_inactive_or_suspended_user_cannot_log_in_and_is_told_nothing_more(gql, own_client, db):
    [school] = await make_schools(db, unique("AFI"), 1, sessions_per_school=1)
    gone, suspended, pending = [await _user(gql, [("TEACHER", school["gid"])]) for _ in range(3)]
    body = await gql(DEACTIVATE, {"id": gone["id"]})
    assert body["data"]["userDeactivate"] == {"user": {"email": gone["email"], "active": False}, "errors": []}
    async with db.acquire() as conn:  # no mutation sets a status: arranged in SQL
        await conn.execute("UPDATE users SET status = 'SUSPENDED' WHERE email = $1", suspended["email"])
        await conn.execute("UPDATE users SET status = 'PENDING_VERIFICATION' WHERE email = $1", pending["email"])
    for user in (gone, suspended, pending):
        for tenant in (None, school["gid"]):
            refused = await _login(own_client, user["email"], tenant=tenant)
            # the same answer as a wrong password: whether the account exists is not revealed
            assert refused == {
                "accessToken": None,
                "refreshToken": None,
                "tokenType": None,
                "expiresAt": None,
                "errors": BAD_CREDENTIALS,
            }, (user["email"], tenant)


async def test_a_user_deactivated_after_login_loses_the_token_and_the_refresh(gql, own_client, db):
    [school] = await make_schools(db, unique("AFD"), 1, sessions_per_school=1)
    user = await _user(gql, [("TEACHER", school["gid"])])
    tokens = await _login(own_client, user["email"])
    status, body = await _me(own_client, tokens["accessToken"])
    assert status == 200 and body["data"]["me"]["user"] == {"email": user["email"]}

    assert (await gql(DEACTIVATE, {"id": user["id"]}))["data"]["userDeactivate"]["errors"] == []
    status, body = await _me(own_client, tokens["accessToken"])
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    refused = await _refresh(own_client, tokens["refreshToken"])
    assert refused == {
        "accessToken": None,
        "refreshToken": None,
        "tokenType": None,
        "expiresAt": None,
        "errors": BAD_REFRESH,
    }


async def test_a_user_suspended_after_login_loses_the_token_and_the_refresh(gql, own_client, db):
    [school] = await make_schools(db, unique("AFS"), 1, sessions_per_school=1)
    user = await _user(gql, [("TEACHER", school["gid"])])
    tokens = await _login(own_client, user["email"])
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET status = 'SUSPENDED' WHERE email = $1", user["email"])
    status, body = await _me(own_client, tokens["accessToken"])
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    refused = await _refresh(own_client, tokens["refreshToken"])
    assert refused["errors"] == BAD_REFRESH and refused["accessToken"] is None


# ---- refresh ------------------------------------------------------------------------------------


async def test_refresh_gives_a_working_token_and_refuses_used_expired_and_tampered_ones(gql, own_client, db):
    [school] = await make_schools(db, unique("AFR"), 1, sessions_per_school=1)
    user = await _user(gql, [("ACCOUNTANT", school["gid"])])
    first = await _login(own_client, user["email"])

    # garbage, an empty string, an access token in the refresh token's place, a tampered token
    tampered = first["refreshToken"][:-1] + ("A" if first["refreshToken"][-1] != "A" else "B")
    for bad in ("", "nonsense", first["accessToken"], tampered, first["refreshToken"] + "x"):
        assert await _refresh(own_client, bad) == {
            "accessToken": None,
            "refreshToken": None,
            "tokenType": None,
            "expiresAt": None,
            "errors": BAD_REFRESH,
        }, bad

    # ... and they did not spoil the genuine one
    before = dt.datetime.now(dt.UTC)
    second = await _refresh(own_client, first["refreshToken"])
    assert second["errors"] == [] and second["tokenType"] == "Bearer"
    assert second["refreshToken"] not in (first["refreshToken"], None)
    assert second["accessToken"] != first["accessToken"]
    expires = dt.datetime.fromisoformat(second["expiresAt"])
    assert dt.timedelta(minutes=14) < expires - before <= dt.timedelta(minutes=15, seconds=5)  # ACCESS_TOKEN_MINUTES=15
    status, body = await _me(own_client, second["accessToken"])
    assert status == 200 and body["data"]["me"]["user"] == {"email": user["email"]}
    assert body["data"]["me"]["rolesInForce"] == ["ACCOUNTANT"]
    assert body["data"]["me"]["sessions"]["totalCount"] == 1  # a refresh continues the login, it opens no session

    # a used refresh token is refused
    assert (await _refresh(own_client, first["refreshToken"]))["errors"] == BAD_REFRESH

    # an expired one too (a fresh login, its refresh token's time run out)
    other = await _login(own_client, user["email"])
    async with db.acquire() as conn:
        changed = await conn.execute(
            "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE rotated_at IS NULL AND revoked_at IS NULL "
            "AND session_id = (SELECT max(id) FROM user_sessions WHERE user_id = (SELECT id FROM users WHERE email = $1))",
            user["email"],
        )
    assert changed == "UPDATE 1"
    assert (await _refresh(own_client, other["refreshToken"]))["errors"] == BAD_REFRESH


# ---- roleRevoke ---------------------------------------------------------------------------------


async def test_role_revoke_takes_the_role_away_from_the_next_request_and_the_next_login(gql, client, own_client, db):
    a, b = await make_schools(db, unique("AFV"), 2, sessions_per_school=1)
    admin = await _user(gql, [("SCHOOL_ADMIN", a["gid"])])
    teacher = await _user(gql, [("TEACHER", a["gid"]), ("ACCOUNTANT", b["gid"])], school=a["gid"])
    teaching, accounting = teacher["memberships"]
    [admins_own] = admin["memberships"]

    tokens = await _login(own_client, teacher["email"], tenant=a["gid"])
    _, body = await _me(own_client, tokens["accessToken"])
    assert body["data"]["me"]["rolesInForce"] == ["TEACHER"]

    admin_tokens = await _login(own_client, admin["email"])

    async def revoke(token: str, gid: str, tenant: str | None = None) -> tuple[int, dict[str, Any]]:
        return await _post(own_client, REVOKE, {"id": gid}, token=token, tenant=tenant)

    # the teacher may not revoke anything, not even their own role
    status, body = await revoke(tokens["accessToken"], teaching)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # the school admin of A: not a membership of another school, not an admin's role (their own either)
    for gid in (accounting, admins_own):
        _, body = await revoke(admin_tokens["accessToken"], gid)
        assert body["data"]["roleRevoke"] == {
            "roleAssignment": None,
            "errors": [{"code": "NOT_FOUND", "field": ["input", "id"], "message": "No RoleAssignment with this ID."}],
        }, gid
    # ... and those refusals changed nothing
    _, body = await _me(own_client, tokens["accessToken"], tenant=b["gid"])
    assert body["data"]["me"]["rolesInForce"] == ["ACCOUNTANT"]
    _, body = await _me(own_client, admin_tokens["accessToken"])
    assert body["data"]["me"]["rolesInForce"] == ["SCHOOL_ADMIN"]
    _, body = await _me(own_client, tokens["accessToken"])
    assert body["data"]["me"]["rolesInForce"] == ["TEACHER"]

    # the school admin revokes the teacher's role in their school
    _, body = await revoke(admin_tokens["accessToken"], teaching)
    assert body["data"]["roleRevoke"] == {
        "errors": [],
        "roleAssignment": {"id": teaching, "role": "TEACHER", "active": False, "school": {"schoolCode": a["code"]}},
    }

    # the very next request with the old token has no role in A: switching there is refused ...
    status, body = await _me(own_client, tokens["accessToken"], tenant=a["gid"])
    assert status == 403 and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # ... and without the header the token falls back to the user's only tenant left
    _, body = await _me(own_client, tokens["accessToken"])
    assert body["data"]["me"]["rolesInForce"] == ["ACCOUNTANT"]
    assert body["data"]["me"]["activeTenant"] == {"__typename": "School", "schoolCode": b["code"]}
    # a refreshed token has no role in A either, and a new login into A is refused
    renewed = await _refresh(own_client, tokens["refreshToken"])
    assert renewed["errors"] == []
    status, _ = await _me(own_client, renewed["accessToken"], tenant=a["gid"])
    assert status == 403
    assert (await _login(own_client, teacher["email"], tenant=a["gid"]))["errors"] == NO_ROLE_THERE

    # the membership is kept in history, inactive
    body = await gql("query($id: ID!) { node(id: $id) { ... on RoleAssignment { active role } } }", {"id": teaching})
    assert body["data"]["node"] == {"active": False, "role": "TEACHER"}

    # a platform admin revokes anywhere: the user has no tenant left at all
    platform = await as_user(client, "platform@demo.campus")
    body = await platform(REVOKE, {"id": accounting})
    assert (
        body["data"]["roleRevoke"]["errors"] == [] and body["data"]["roleRevoke"]["roleAssignment"]["active"] is False
    )
    _, body = await _me(own_client, renewed["accessToken"])
    assert body["data"]["me"]["rolesInForce"] == [] and body["data"]["me"]["activeTenant"] is None

    # the role can be given again (the revoked row does not block it) and works at once
    again = (await gql(ASSIGN, {"i": {"userId": teacher["id"], "role": "TEACHER", "tenantId": a["gid"]}}))["data"][
        "roleAssign"
    ]
    assert again["errors"] == [] and again["roleAssignment"]["id"] != teaching
    _, body = await _me(own_client, renewed["accessToken"], tenant=a["gid"])
    assert body["data"]["me"]["rolesInForce"] == ["TEACHER"]


async def test_a_school_admin_sees_whose_role_was_revoked(gql, own_client, db):
    [school] = await make_schools(db, unique("AFW"), 1, sessions_per_school=1)
    admin = await _user(gql, [("SCHOOL_ADMIN", school["gid"])])
    teacher = await _user(gql, [("TEACHER", school["gid"])])
    admin_tokens = await _login(own_client, admin["email"])
    status, body = await _post(
        own_client,
        """mutation($id: ID!) { roleRevoke(input: {id: $id}) {
        roleAssignment { active user { email } } errors { code } } }""",
        {"id": teacher["memberships"][0]},
        token=admin_tokens["accessToken"],
    )
    assert "errors" not in body, body
    assert body["data"]["roleRevoke"] == {
        "roleAssignment": {"active": False, "user": {"email": teacher["email"]}},
        "errors": [],
    }
