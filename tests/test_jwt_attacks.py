"""Forged, altered, expired and revoked tokens are refused; nothing about them is trusted."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import login

ME = "{ me { user { email } } }"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
async def genuine(client):
    tokens = await login(client, "admin@greenwood.demo")
    return tokens["accessToken"]


async def _status(client, token: str) -> tuple[int, dict]:
    r = await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"})
    return r.status_code, r.json()


async def test_the_genuine_token_works(client, genuine):
    status, body = await _status(client, genuine)
    assert status == 200 and body["data"]["me"]["user"]["email"] == "admin@greenwood.demo"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


async def test_alg_none_is_refused(client, genuine, app):
    header = {"alg": "none", "typ": "JWT", "kid": app.state.keys.active_kid}
    forged = f"{_b64(header)}.{_b64(_claims(genuine))}."
    status, body = await _status(client, forged)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_hmac_signed_with_the_public_key_is_refused(client, genuine, app):
    keys = app.state.keys
    public_pem = keys.public_keys[keys.active_kid].public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": keys.active_kid}
    signing_input = f"{_b64(header)}.{_b64(_claims(genuine))}".encode()
    import hashlib
    import hmac

    signature = (
        base64.urlsafe_b64encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest()).rstrip(b"=").decode()
    )
    status, _ = await _status(client, f"{signing_input.decode()}.{signature}")
    assert status == 401


async def test_a_changed_payload_breaks_the_signature(client, genuine):
    head, _, sig = genuine.split(".")
    claims = _claims(genuine)
    claims["sub"] = "1"  # try to become the super admin
    status, _ = await _status(client, f"{head}.{_b64(claims)}.{sig}")
    assert status == 401


def _sign(app, claims: dict, key=None, kid=None) -> str:
    keys = app.state.keys
    return jwt.encode(
        claims, key or keys.private_keys[keys.active_kid], algorithm="EdDSA", headers={"kid": kid or keys.active_kid}
    )


@pytest.mark.parametrize("missing", ["exp", "aud", "iss", "sub", "jti", "iat"])
async def test_a_token_missing_a_required_claim_is_refused(client, genuine, app, missing):
    claims = _claims(genuine)
    del claims[missing]
    status, _ = await _status(client, _sign(app, claims))
    assert status == 401


@pytest.mark.parametrize("claim, value", [("aud", "someone-else"), ("iss", "https://evil.example")])
async def test_a_token_for_another_audience_or_issuer_is_refused(client, genuine, app, claim, value):
    claims = {**_claims(genuine), claim: value}
    status, _ = await _status(client, _sign(app, claims))
    assert status == 401


async def test_an_expired_token_is_refused_and_says_so(client, genuine, app):
    claims = _claims(genuine)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    claims.update(iat=int(past.timestamp()), exp=int((past + dt.timedelta(minutes=15)).timestamp()))
    status, body = await _status(client, _sign(app, claims))
    # an expired token is anonymous, so that tokenRefresh still works with a stale header
    assert status == 200 and body["data"]["me"] is None and "expired" in body["errors"][0]["message"]
    r = await client.post(
        "/graphql",
        json={"query": "{ schools { totalCount } }"},
        headers={"Authorization": f"Bearer {_sign(app, claims)}"},
    )
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in r.json()["errors"][0]["message"]


async def test_a_key_that_is_not_ours_is_refused_even_with_our_kid(client, genuine):
    stranger = Ed25519PrivateKey.generate()
    status, _ = await _status(
        client, jwt.encode(_claims(genuine), stranger, algorithm="EdDSA", headers={"kid": "dev-x"})
    )
    assert status == 401


async def test_an_unknown_session_or_jti_is_refused(client, genuine, app):
    claims = {**_claims(genuine), "jti": str(uuid.uuid4()), "sid": 987654321}
    status, _ = await _status(client, _sign(app, claims))
    assert status == 401


async def test_a_revoked_jti_is_refused(client, genuine):
    r = await client.post(
        "/graphql", json={"query": "mutation { tokenRevoke { done } }"}, headers={"Authorization": f"Bearer {genuine}"}
    )
    assert r.json()["data"]["tokenRevoke"]["done"] is True
    status, body = await _status(client, genuine)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_malformed_header_is_refused(client):
    for value in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt"):
        r = await client.post("/graphql", json={"query": ME}, headers={"Authorization": value})
        assert r.status_code == 401, value


async def test_keys_rotate_old_tokens_verify_new_ones_sign(client, app, genuine):
    from auth.tokens import KeySet, new_private_key_pem

    keys = app.state.keys
    older = dict(keys.private_keys)
    newer = serialization.load_pem_private_key(new_private_key_pem().encode(), password=None)
    rotated = KeySet({**older, "zz-next": newer}, "zz-next", app.state.settings)
    app.state.keys = rotated
    try:
        keys.private_keys, keys.public_keys, keys.active_kid = (
            rotated.private_keys,
            rotated.public_keys,
            rotated.active_kid,
        )
        assert (await _status(client, genuine))[0] == 200  # issued with the old key, still valid
        fresh = await login(client, "accounts@greenwood.demo")
        assert jwt.get_unverified_header(fresh["accessToken"])["kid"] == "zz-next"
        assert (await _status(client, fresh["accessToken"]))[0] == 200
        jwks = (await client.get("/.well-known/jwks.json")).json()
        assert {k["kid"] for k in jwks["keys"]} == {*older, "zz-next"}
    finally:
        keys.private_keys = older
        keys.public_keys = {k: v.public_key() for k, v in older.items()}
        keys.active_kid = sorted(older)[-1]
        app.state.keys = keys
