"""Tokens that live longer than the configured lifetime are refused, even when genuinely
signed or stored: access tokens (`exp - iat`), refresh tokens, password-reset tokens."""

from __future__ import annotations

import datetime as dt
import uuid

import jwt

from auth.tokens import ALGORITHM, hash_token, new_opaque_token
from tests.conftest import login, unique

ME = "{ me { user { email } } }"


def _sign(app, claims: dict) -> str:
    keys = app.state.keys
    return jwt.encode(claims, keys.private_keys[keys.active_kid], algorithm=ALGORITHM, headers={"kid": keys.active_kid})


async def test_a_correctly_signed_access_token_living_longer_than_configured_is_refused(client, app):
    genuine = jwt.decode(
        (await login(client, "accounts@greenwood.demo"))["accessToken"], options={"verify_signature": False}
    )
    lifetime = app.state.settings.access_token_minutes * 60
    now = int(dt.datetime.now(dt.UTC).timestamp())
    for life, accepted in ((lifetime, True), (lifetime + 1, False), (lifetime * 4 * 24 * 365, False)):
        claims = {**genuine, "jti": str(uuid.uuid4()), "iat": now - 10, "exp": now - 10 + life}
        r = await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {_sign(app, claims)}"})
        if accepted:
            assert r.status_code == 200 and r.json()["data"]["me"]["user"]["email"] == "accounts@greenwood.demo", r.text
        else:
            assert r.status_code == 401, (life, r.text)
            assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


REFRESH = """mutation($t: String!) { tokenRefresh(input: {refreshToken: $t}) { accessToken errors { code field } } }"""


async def test_a_refresh_token_stored_with_a_longer_life_is_refused(client, app, db):
    tokens = await login(client, "teacher@greenwood.demo")
    days = app.state.settings.refresh_token_days
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE refresh_tokens SET expires_at = issued_at + make_interval(days => $2) WHERE token_hash = $1",
            hash_token(tokens["refreshToken"]),
            days * 10,
        )
    r = await client.post("/graphql", json={"query": REFRESH, "variables": {"t": tokens["refreshToken"]}})
    body = r.json()["data"]["tokenRefresh"]
    assert body["accessToken"] is None and body["errors"][0]["code"] == "INVALID"
    # a token within the lifetime still refreshes
    fresh = await login(client, "teacher@greenwood.demo")
    r = await client.post("/graphql", json={"query": REFRESH, "variables": {"t": fresh["refreshToken"]}})
    assert r.json()["data"]["tokenRefresh"]["accessToken"]


CONFIRM = """mutation($t: String!, $p: String!) { passwordResetConfirm(input: {token: $t, newPassword: $p}) {
  errors { code field } } }"""


async def test_a_password_reset_token_stored_with_a_longer_life_is_refused_and_changes_nothing(client, app, db, gql):
    email = f"{unique('life').lower()}@example.test"
    created = await gql(
        'mutation($e: String!) { userCreate(input: {email: $e, role: VISITOR, password: "Old-password-2026!"}) '
        "{ errors { code message } } }",
        {"e": email},
    )
    assert created["data"]["userCreate"]["errors"] == [], created
    token = new_opaque_token()
    minutes = app.state.settings.password_reset_minutes
    async with db.acquire() as conn:
        user_id = await conn.fetchval("SELECT id FROM users WHERE email = $1", email)
        await conn.execute(
            "INSERT INTO password_resets (user_id, token_hash, requested_at, expires_at)"
            " VALUES ($1, $2, now(), now() + make_interval(mins => $3))",
            user_id,
            hash_token(token),
            minutes * 100,
        )
    r = await client.post("/graphql", json={"query": CONFIRM, "variables": {"t": token, "p": "New-password-2026!x"}})
    assert r.json()["data"]["passwordResetConfirm"]["errors"][0]["code"] == "INVALID", r.text
    assert (await login(client, email, "Old-password-2026!"))["errors"] == []


async def test_correctly_signed_tokens_with_odd_claims_are_401_never_500(client, app):
    """Claims only a misused key could write: ids out of any column's range or not plain
    integers, a future nbf/iat, no iat. Each is a JSON 401 with a request id; nothing reaches SQL."""
    genuine = jwt.decode(
        (await login(client, "accounts@greenwood.demo"))["accessToken"], options={"verify_signature": False}
    )
    now = int(dt.datetime.now(dt.UTC).timestamp())
    odd = [
        {"sub": "9" * 30},
        {"sub": str(2**63)},
        {"sub": "١٢"},
        {"sub": "-1"},
        {"sub": "0"},
        {"sub": "1.0"},
        {"sub": " 3"},
        {"sub": 3.5},
        {"sid": 2**70},
        {"sid": 2**63},
        {"sid": 1.5},
        {"sid": True},
        {"sid": "x"},
        {"sid": -1},
        {"sid": None},
        {"nbf": now + 3600},
        {"iat": now + 600, "exp": now + 900},
        {"iat": None},
        {"iat": "1"},
    ]
    for change in odd:
        claims = {**genuine, "jti": str(uuid.uuid4()), "iat": now - 10, "exp": now + 60, **change}
        claims = {k: v for k, v in claims.items() if v is not None}
        r = await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {_sign(app, claims)}"})
        assert r.status_code == 401 and r.headers["content-type"] == "application/json", (change, r.status_code, r.text)
        error = r.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED" and error["extensions"]["requestId"], (change, error)
    claims = {**genuine, "jti": str(uuid.uuid4()), "iat": now - 10, "exp": now + 60}
    r = await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {_sign(app, claims)}"})
    assert r.status_code == 200 and r.json()["data"]["me"]["user"]["email"] == "accounts@greenwood.demo", r.text
