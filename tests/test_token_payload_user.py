"""`tokenCreate { user { ... } }` and `tokenRefresh { user { ... } }` answer the user who just
logged in (issue 12 item 6): the request itself carries no token yet, so the payload must not
read the user as an anonymous caller would. A wrong password still answers no user."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

import demo

LOGIN = """mutation LoginForTest($email: String!, $password: String!) {
  tokenCreate(input: {email: $email, password: $password}) {
    accessToken refreshToken user { fullName email role } errors { code message } } }"""
REFRESH = """mutation RefreshForTest($t: String!) { tokenRefresh(input: {refreshToken: $t}) {
  accessToken user { fullName email } errors { code message } } }"""
ME = "query MeForTest { me { user { fullName email role } } }"


@pytest.fixture
async def own_client(app: Any) -> Any:
    """A client from an address of its own, so that login throttling stays within the test."""
    address = (f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 5000)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=address), base_url="http://gateway.test"
    ) as c:
        yield c


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


@pytest.mark.parametrize("email", ["teacher@greenwood.demo", "resident@sunrise.demo", "superadmin@demo.campus"])
async def test_login_and_refresh_answer_the_user_who_logged_in(own_client: httpx.AsyncClient, email: str) -> None:
    logged = (await _post(own_client, LOGIN, {"email": email, "password": demo.DEMO_PASSWORD}))["tokenCreate"]
    assert logged["errors"] == []
    # the same record the user reads about themselves once the token is sent
    me = (await _post(own_client, ME, {}, token=logged["accessToken"]))["me"]["user"]
    assert me["email"] == email and me["fullName"]
    assert logged["user"] == me

    refreshed = (await _post(own_client, REFRESH, {"t": logged["refreshToken"]}))["tokenRefresh"]
    assert refreshed["errors"] == []
    assert refreshed["user"] == {"fullName": me["fullName"], "email": email}


async def test_a_wrong_password_or_a_used_refresh_token_answers_no_user(own_client: httpx.AsyncClient) -> None:
    email = "warden@sunrise.demo"
    wrong = (await _post(own_client, LOGIN, {"email": email, "password": "not-the-password"}))["tokenCreate"]
    assert wrong["user"] is None and wrong["accessToken"] is None
    assert [e["code"] for e in wrong["errors"]] == ["INVALID"]

    logged = (await _post(own_client, LOGIN, {"email": email, "password": demo.DEMO_PASSWORD}))["tokenCreate"]
    assert logged["user"]["email"] == email
    await _post(own_client, REFRESH, {"t": logged["refreshToken"]})
    replayed = (await _post(own_client, REFRESH, {"t": logged["refreshToken"]}))["tokenRefresh"]
    assert replayed["user"] is None and replayed["accessToken"] is None
    assert [e["code"] for e in replayed["errors"]] == ["INVALID"]
