"""Login, tokens, sessions and passwords through GraphQL, as a client would use them."""

from __future__ import annotations

import uuid

import httpx
import pytest

from kit.ids import encode_gid
from tests.conftest import bearer, demo_session_name, login, unique
from tests.mail import link_token, mailbox_fixture  # noqa: F401 - provides the `mailbox` fixture

ME = """{ me { user { email fullName } rolesInForce memberships { role tenant { __typename ... on School { name } ... on Hostel { name } } }
          activeTenant { __typename ... on School { schoolCode } ... on Hostel { slug } } academicSession { name }
          switchableTenants { __typename ... on School { schoolCode } ... on Hostel { slug } } } }"""


@pytest.fixture
async def own_client(app):
    """A client from an address of its own, so that login throttling stays within the test."""
    transport = httpx.ASGITransport(app=app, client=(f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


async def _gql(client, query, variables=None, headers=None):
    r = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {})
    return r.status_code, r.json()


async def _new_user(db, email=None, password="Start-pass-2026", school_code="DEMO-GWH", role="TEACHER"):
    """A fresh user with a membership, so tests that change passwords or lock accounts stay apart."""
    from auth.passwords import hash_password

    email = email or f"{unique('user').lower()}@test.campus"
    async with db.acquire() as conn:
        school_id = await conn.fetchval("SELECT id FROM schools WHERE school_code = $1", school_code)
        user_id = await conn.fetchval(
            "INSERT INTO users (email, password_hash, role, school_id) VALUES ($1, $2, $3, $4) RETURNING id",
            email,
            hash_password(password),
            role,
            school_id,
        )
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, school_id) VALUES ($1, $2, $3)", user_id, role, school_id
        )
    return email, password, user_id


async def test_login_gives_tokens_that_identify_the_user(own_client):
    tokens = await login(own_client, "teacher@greenwood.demo")
    assert tokens["errors"] == []
    status, body = await _gql(own_client, ME, headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    me = body["data"]["me"]
    assert me["user"] == {"email": "teacher@greenwood.demo", "fullName": "Tara Teacher"}
    assert me["rolesInForce"] == ["TEACHER"]
    assert me["activeTenant"] == {"__typename": "School", "schoolCode": "DEMO-GWH"}
    assert me["academicSession"] == {"name": demo_session_name()}


async def test_anonymous_me_is_null_and_protected_fields_say_log_in(own_client):
    _, body = await _gql(own_client, "{ me { user { email } } }")
    assert body["data"]["me"] is None
    _, body = await _gql(own_client, "{ schools { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_wrong_password_and_unknown_email_look_the_same(own_client):
    wrong = await login(own_client, "teacher@greenwood.demo", "Not-the-password-1")
    unknown = await login(own_client, f"{uuid.uuid4().hex}@nowhere.campus", "Not-the-password-1")
    assert (
        wrong
        == unknown
        == {
            "accessToken": None,
            "refreshToken": None,
            "errors": [{"code": "INVALID", "message": "The email or the password is not correct."}],
        }
    )


async def test_repeated_failures_lock_the_account_for_a_growing_while(own_client, db):
    email, password, _ = await _new_user(db)
    for _ in range(5):
        assert (await login(own_client, email, "Wrong-password-9"))["errors"][0]["code"] == "INVALID"
    locked = await login(own_client, email, password)  # even the right password waits
    assert locked["accessToken"] is None
    assert locked["errors"] == [{"code": "LOCKED", "message": "Too many failed attempts. Try again in 1 minute."}]
    # an unknown email is throttled the same way: the answer reveals nothing
    ghost = f"{uuid.uuid4().hex}@nowhere.campus"
    for _ in range(5):
        await login(own_client, ghost, "Wrong-password-9")
    assert (await login(own_client, ghost, "Wrong-password-9"))["errors"][0]["code"] == "LOCKED"

    async with db.acquire() as conn:  # let the first lock run out
        await conn.execute(
            "UPDATE login_attempts SET attempted_at = attempted_at - interval '2 minutes' WHERE email = $1", email
        )
    assert (await login(own_client, email, "Wrong-password-9"))["errors"][0]["code"] == "INVALID"
    again = await login(own_client, email, password)
    assert again["errors"] == [{"code": "LOCKED", "message": "Too many failed attempts. Try again in 2 minutes."}]


async def test_an_address_that_fails_too_often_is_refused(own_client, app, monkeypatch):
    monkeypatch.setattr(app.state.settings, "login_ip_max_failures", 3)
    for i in range(3):
        await login(own_client, f"{uuid.uuid4().hex}@nowhere.campus", "Wrong-password-9")
    refused = await login(own_client, "teacher@greenwood.demo")
    assert refused["errors"][0]["code"] == "LOCKED"


REFRESH = """mutation($t: String!) { tokenRefresh(input: {refreshToken: $t}) {
  accessToken refreshToken errors { code message field } } }"""


async def test_refresh_rotates_and_a_replayed_token_revokes_its_family(own_client, gql):
    first = await login(own_client, "accounts@greenwood.demo")
    _, body = await _gql(own_client, REFRESH, {"t": first["refreshToken"]})
    second = body["data"]["tokenRefresh"]
    assert second["errors"] == [] and second["refreshToken"] != first["refreshToken"]
    assert (
        await _gql(
            own_client, "{ me { user { email } } }", headers={"Authorization": f"Bearer {second['accessToken']}"}
        )
    )[1]["data"]["me"]["user"]["email"] == "accounts@greenwood.demo"

    _, replay = await _gql(own_client, REFRESH, {"t": first["refreshToken"]})
    assert replay["data"]["tokenRefresh"]["errors"][0]["code"] == "INVALID"
    # the whole family is dead now, including the token the thief or the owner got last
    _, body = await _gql(own_client, REFRESH, {"t": second["refreshToken"]})
    assert body["data"]["tokenRefresh"]["errors"][0]["code"] == "INVALID"
    status, _ = await _gql(
        own_client, "{ me { user { email } } }", headers={"Authorization": f"Bearer {second['accessToken']}"}
    )
    assert status == 401
    events = await gql(
        '{ securityEvents(filter: {eventType: {eq: "refresh_token_reuse"}}, last: 1) { nodes { severity details } } }'
    )
    assert events["data"]["securityEvents"]["nodes"][0]["severity"] == "HIGH"


async def test_logout_refuses_the_token_from_then_on(own_client):
    tokens = await login(own_client, "admin@riverside.demo")
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    _, body = await _gql(own_client, "mutation { tokenRevoke { done errors { code } } }", headers=headers)
    assert body["data"]["tokenRevoke"] == {"done": True, "errors": []}
    status, body = await _gql(own_client, "{ me { user { email } } }", headers=headers)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _, body = await _gql(own_client, REFRESH, {"t": tokens["refreshToken"]})
    assert body["data"]["tokenRefresh"]["errors"][0]["code"] == "INVALID"


async def test_sessions_revoke_all_keeps_the_current_one_when_asked(own_client, db):
    email, password, _ = await _new_user(db)
    phone, laptop = await login(own_client, email, password), await login(own_client, email, password)
    _, body = await _gql(
        own_client,
        "mutation { sessionsRevokeAll(input: {keepCurrent: true}) { revokedCount errors { code } } }",
        headers={"Authorization": f"Bearer {laptop['accessToken']}"},
    )
    assert body["data"]["sessionsRevokeAll"] == {"revokedCount": 1, "errors": []}
    assert (
        await _gql(own_client, "{ me { user { email } } }", headers={"Authorization": f"Bearer {phone['accessToken']}"})
    )[0] == 401
    assert (
        await _gql(
            own_client, "{ me { user { email } } }", headers={"Authorization": f"Bearer {laptop['accessToken']}"}
        )
    )[0] == 200


CHANGE = """mutation($c: String!, $n: String!) { passwordChange(input: {currentPassword: $c, newPassword: $n}) {
  done errors { code field message } } }"""


async def test_password_change_enforces_policy_and_history(own_client, db):
    email, password, _ = await _new_user(db)
    headers = {"Authorization": f"Bearer {(await login(own_client, email, password))['accessToken']}"}

    async def change(current, new):
        return (await _gql(own_client, CHANGE, {"c": current, "n": new}, headers=headers))[1]["data"]["passwordChange"]

    assert (await change("Wrong-current-1", "Fresh-pass-2027"))["errors"][0]["field"] == ["input", "currentPassword"]
    weak = await change(password, "short")
    assert weak["errors"][0]["code"] == "INVALID" and "at least 10 characters" in weak["errors"][0]["message"]
    assert "not used" in (await change(password, password))["errors"][0]["message"]
    assert await change(password, "Fresh-pass-2027") == {"done": True, "errors": []}
    assert "not used" in (await change("Fresh-pass-2027", password))["errors"][0]["message"]  # history
    assert (await login(own_client, email, password))["errors"][0]["code"] == "INVALID"
    assert (await login(own_client, email, "Fresh-pass-2027"))["errors"] == []


async def test_password_reset_is_single_use_and_expires(own_client, db, mailbox):
    email, _, user_id = await _new_user(db)
    request = "mutation($e: String!) { passwordResetRequest(input: {email: $e}) { done errors { code } } }"
    unknown = (await _gql(own_client, request, {"e": f"{uuid.uuid4().hex}@nowhere.campus"}))[1]
    known = (await _gql(own_client, request, {"e": email}))[1]
    assert unknown["data"] == known["data"] == {"passwordResetRequest": {"done": True, "errors": []}}
    (mail,) = await mailbox.read(email)  # the pipeline's development email provider
    assert mail["title"] == "Reset your password" and "List-Unsubscribe" not in mail["headers"]
    async with db.acquire() as conn:
        stored = await conn.fetchval("SELECT token_hash FROM password_resets WHERE user_id = $1", user_id)
    token = link_token(mail, "reset-password")
    assert token not in stored  # only its hash is kept

    confirm = """mutation($t: String!, $p: String!) { passwordResetConfirm(input: {token: $t, newPassword: $p}) {
      done errors { code message } } }"""
    ok = (await _gql(own_client, confirm, {"t": token, "p": "Reset-pass-2028"}))[1]["data"]["passwordResetConfirm"]
    assert ok == {"done": True, "errors": []}
    assert (await login(own_client, email, "Reset-pass-2028"))["errors"] == []
    reused = (await _gql(own_client, confirm, {"t": token, "p": "Other-pass-2029"}))[1]["data"]["passwordResetConfirm"]
    assert reused["errors"][0]["code"] == "INVALID"

    await _gql(own_client, request, {"e": email})
    second = (await mailbox.read(email, count=2))[-1]
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1", user_id
        )
    late = (await _gql(own_client, confirm, {"t": link_token(second, "reset-password"), "p": "Late-pass-2030"}))[1]
    assert late["data"]["passwordResetConfirm"]["errors"][0]["code"] == "INVALID"


async def test_password_reset_request_does_the_same_work_for_known_and_unknown_emails(own_client, db, mailbox):
    """Issue 10 item 14c: the request's answer and its work (SQL statements) do not depend on
    whether the account exists or is throttled; only a known, unthrottled address gets a link."""
    email, _, user_id = await _new_user(db)
    request = "mutation($e: String!) { passwordResetRequest(input: {email: $e}) { done errors { code } } }"
    seen = []
    for address in (
        f"{uuid.uuid4().hex}@nowhere.campus",
        email,
        email.upper(),
        f"{uuid.uuid4().hex}@nowhere.campus",
        email,
    ):  # the third request of the address is its last within 15 minutes
        status, body = await _gql(own_client, request, {"e": address})
        assert status == 200 and body["data"] == {"passwordResetRequest": {"done": True, "errors": []}}
        stats = body["extensions"]["stats"]
        seen.append((stats["sqlStatements"], stats["sqlSetupStatements"]))
    status, throttled = await _gql(own_client, request, {"e": email})  # a fourth one: quietly nothing
    stats = throttled["extensions"]["stats"]
    seen.append((stats["sqlStatements"], stats["sqlSetupStatements"]))
    assert throttled["data"] == {"passwordResetRequest": {"done": True, "errors": []}}
    assert len(set(seen)) == 1, seen  # the same statements for unknown, known and throttled addresses
    assert len(await mailbox.read(email, count=3)) == 3
    assert mailbox.sent("@nowhere.campus") == []
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM password_resets WHERE user_id = $1", user_id) == 3
        assert await conn.fetchval("SELECT count(*) FROM email_notifications WHERE to_address = $1", email) == 3
        assert (
            await conn.fetchval("SELECT count(*) FROM email_notifications WHERE to_address LIKE '%@nowhere.campus'")
            == 0
        )


async def test_one_user_roles_in_two_schools_switch_with_x_tenant_id(own_client, db):
    headers = await bearer(own_client, "multi@demo.campus")
    async with db.acquire() as conn:
        riverside = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-RVP'")
        greenwood = await conn.fetchval("SELECT id FROM schools WHERE school_code = 'DEMO-GWH'")
    _, body = await _gql(own_client, ME, headers=headers)
    me = body["data"]["me"]
    assert {t["schoolCode"] for t in me["switchableTenants"]} == {"DEMO-GWH", "DEMO-RVP"}
    assert me["rolesInForce"] == ["TEACHER"] and me["activeTenant"]["schoolCode"] == "DEMO-GWH"
    _, body = await _gql(own_client, ME, headers={**headers, "X-Tenant-Id": encode_gid("School", riverside)})
    assert body["data"]["me"]["rolesInForce"] == ["GUARDIAN"]
    assert body["data"]["me"]["activeTenant"]["schoolCode"] == "DEMO-RVP"
    # a teacher of one school cannot switch into another
    teacher = await bearer(own_client, "teacher@greenwood.demo")
    status, body = await _gql(own_client, ME, headers={**teacher, "X-Tenant-Id": encode_gid("School", riverside)})
    assert status == 403 and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    status, _ = await _gql(own_client, ME, headers={**teacher, "X-Tenant-Id": encode_gid("School", 987654)})
    assert status == 403  # the same answer for a school that does not exist
    # and naming the login's own school explicitly is the same as naming none
    _, body = await _gql(own_client, ME, headers={**headers, "X-Tenant-Id": encode_gid("School", greenwood)})
    assert (
        body["data"]["me"]["rolesInForce"] == ["TEACHER"]
        and body["data"]["me"]["activeTenant"]["schoolCode"] == "DEMO-GWH"
    )


async def test_x_session_id_is_validated_against_the_active_school(own_client, db):
    headers = await bearer(own_client, "admin@greenwood.demo")
    async with db.acquire() as conn:
        own = await conn.fetchval(
            "SELECT a.id FROM academic_sessions a JOIN schools s ON s.id = a.school_id "
            "WHERE s.school_code = 'DEMO-GWH' AND a.name = $1",
            demo_session_name(1),
        )
        foreign = await conn.fetchval(
            "SELECT a.id FROM academic_sessions a JOIN schools s ON s.id = a.school_id "
            "WHERE s.school_code = 'DEMO-RVP' AND a.name = $1",
            demo_session_name(1),
        )
    _, body = await _gql(
        own_client,
        "{ me { academicSession { name } } }",
        headers={**headers, "X-Session-Id": encode_gid("AcademicSession", own)},
    )
    assert body["data"]["me"]["academicSession"] == {"name": demo_session_name(1)}
    status, body = await _gql(
        own_client,
        "{ me { academicSession { name } } }",
        headers={**headers, "X-Session-Id": encode_gid("AcademicSession", foreign)},
    )
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "BAD_SESSION"


async def test_a_hostel_admin_switches_among_assigned_hostels_and_it_is_recorded(own_client, db):
    headers = await bearer(own_client, "warden@sunrise.demo")
    async with db.acquire() as conn:
        lotus = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-lotus'")
        sunrise = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
    # a switch is recorded when the admin works in another hostel than last time: start from
    # Sunrise, whatever hostel another test left this admin in
    await _gql(own_client, "{ me { rolesInForce } }", headers={**headers, "X-Tenant-Id": encode_gid("Hostel", sunrise)})
    async with db.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM context_switches WHERE to_hostel_id = $1", lotus)
    _, body = await _gql(
        own_client,
        "{ me { activeTenant { ... on Hostel { slug } } rolesInForce } }",
        headers={**headers, "X-Tenant-Id": encode_gid("Hostel", lotus)},
    )
    assert body["data"]["me"] == {"activeTenant": {"slug": "demo-lotus"}, "rolesInForce": ["HOSTEL_ADMIN"]}
    async with db.acquire() as conn:
        after = await conn.fetchval("SELECT count(*) FROM context_switches WHERE to_hostel_id = $1", lotus)
    assert after == before + 1
    lotus_only = await bearer(own_client, "warden@lotus.demo")
    async with db.acquire() as conn:
        sunrise = await conn.fetchval("SELECT id FROM hostels WHERE slug = 'demo-sunrise'")
    status, _ = await _gql(
        own_client, "{ me { rolesInForce } }", headers={**lotus_only, "X-Tenant-Id": encode_gid("Hostel", sunrise)}
    )
    assert status == 403


async def test_my_sessions_and_login_history_are_mine_only(own_client):
    headers = await bearer(own_client, "accounts@riverside.demo")
    _, body = await _gql(
        own_client, "{ me { sessions { nodes { id createdAt } } loginHistory { nodes { success } } } }", headers=headers
    )
    sessions = body["data"]["me"]["sessions"]["nodes"]
    assert sessions and body["data"]["me"]["loginHistory"]["nodes"][0]["success"] is True
    other = await bearer(own_client, "accounts@greenwood.demo")
    _, body = await _gql(
        own_client, "query($id: ID!) { node(id: $id) { id } }", {"id": sessions[0]["id"]}, headers=other
    )
    assert body["data"]["node"] is None
    _, body = await _gql(
        own_client, "query($id: ID!) { node(id: $id) { id } }", {"id": sessions[0]["id"]}, headers=headers
    )
    assert body["data"]["node"] == {"id": sessions[0]["id"]}
