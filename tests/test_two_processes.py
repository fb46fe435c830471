"""Two gateway processes on one database (issue 13, item 5): what one process learns, the other
knows at once, because it is kept in PostgreSQL rather than in either process's memory.

Both are real `campus serve` processes (uvicorn) on the test session's database, with the same
JWT keys (JWT_PRIVATE_KEYS), as N gateways behind a load balancer run (docs/deployment.md).
Starting one costs about 8 CPU seconds: both start at once, once for the whole file.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from demo import DEMO_PASSWORD
from tests.conftest import unique

ROOT = Path(__file__).resolve().parent.parent

# two server processes started once for the module: scheduled first (conftest.py, `slow`)
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shared_keys() -> str:
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    return json.dumps({"two-processes": pem})


class Gateway:
    def __init__(self, name: str, port: int, proc: subprocess.Popen[str]) -> None:
        self.name, self.port, self.proc = name, port, proc
        self.url = f"http://127.0.0.1:{port}/graphql"

    def post(self, body: dict[str, Any], token: str | None = None, address: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if address:  # uvicorn takes the client's address from a local proxy's header
            headers["X-Forwarded-For"] = address
        return httpx.post(self.url, json=body, headers=headers, timeout=30)


def _start(name: str, pg_url: str, app_url: str, keys: str, data_dir: Path) -> Gateway:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPUS_TEST_")}
    env.update(
        DATABASE_URL=app_url,
        MIGRATION_DATABASE_URL=pg_url,  # already at head: the start only checks
        JWT_PRIVATE_KEYS=keys,
        DATA_DIR=str(data_dir / name),
        LOG_JSON="false",
        LOG_LEVEL="WARNING",
        DB_POOL_SIZE="2",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--no-demo", "--no-worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Gateway(name, port, proc)


def _wait_ready(gateways: list[Gateway]) -> None:
    deadline = time.time() + 240  # a loaded CI machine
    waiting = list(gateways)
    while waiting and time.time() < deadline:
        for g in list(waiting):
            if g.proc.poll() is not None:
                pytest.fail(f"gateway {g.name} exited early:\n{g.proc.stdout.read() if g.proc.stdout else ''}")
            try:
                if httpx.get(f"http://127.0.0.1:{g.port}/readyz", timeout=1).status_code == 200:
                    waiting.remove(g)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if waiting:
        pytest.fail(f"not ready: {[g.name for g in waiting]}")


def _stop(g: Gateway) -> None:
    g.proc.send_signal(signal.SIGTERM)
    try:
        g.proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        g.proc.kill()
        g.proc.communicate()


@pytest.fixture(scope="module")
def pair(gateway_pair: tuple[Gateway, Gateway, str]) -> tuple[Gateway, Gateway]:
    """The session's two processes (tests/conftest.py gateway_pair, shared with tests/test_subscriptions.py)."""
    a, b, _ = gateway_pair
    return a, b


def _address() -> str:
    """An address of this test alone: the per-address login throttle counts no one else's failures."""
    return str(ipaddress.IPv4Address(random.randint(0x0A000001, 0x0AFFFFFE)))  # 10.0.0.0/8


def _login(g: Gateway, email: str, password: str, address: str) -> dict[str, Any]:
    body = g.post(
        {
            "query": "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) "
            "{ accessToken errors { code message } } }",
            "variables": {"i": {"email": email, "password": password}},
        },
        address=address,
    ).json()
    result: dict[str, Any] = body["data"]["tokenCreate"]
    return result


ME = "{ me { user { email } } }"


def test_a_query_registered_on_one_process_is_found_by_the_other(pair):
    a, b = pair
    token = _login(a, "superadmin@demo.campus", DEMO_PASSWORD, _address())["accessToken"]
    query = "query %s { hostels(first: 1) { totalCount } }" % unique("Apq").replace("-", "_")
    ext = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    unknown = b.post({"extensions": ext}, token).json()
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND", unknown
    registered = a.post({"query": query, "extensions": ext}, token).json()
    assert registered["data"]["hostels"]["totalCount"] >= 2, registered
    by_hash = b.post({"extensions": ext}, token).json()
    assert by_hash.get("data") == registered["data"], by_hash
    # a document sent with a hash that is not its own is refused and registers nothing
    other = "query %s { schools(first: 1) { totalCount } }" % unique("Apq").replace("-", "_")
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(other.encode()).hexdigest()}}
    assert a.post({"query": query, "extensions": wrong}, token).status_code == 400
    assert b.post({"extensions": wrong}, token).json()["errors"][0]["extensions"]["code"] == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


def test_a_token_revoked_on_one_process_is_refused_by_the_other_at_once(pair):
    a, b = pair
    token = _login(a, "teacher@greenwood.demo", DEMO_PASSWORD, _address())["accessToken"]
    before = b.post({"query": ME}, token)
    assert before.status_code == 200 and before.json()["data"]["me"]["user"]["email"] == "teacher@greenwood.demo"
    revoked = a.post({"query": "mutation { tokenRevoke { done errors { code } } }"}, token).json()
    assert revoked["data"]["tokenRevoke"] == {"done": True, "errors": []}, revoked
    after = b.post({"query": ME}, token)
    assert after.status_code == 401 and after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_role_removed_on_one_process_is_gone_on_the_other_at_once(pair):
    """B keeps the teacher's identity in memory after the first request (auth/identity.py
    IdentityCache); the role revoked through A is gone from B's very next request."""
    a, b = pair
    admin = _login(a, "superadmin@demo.campus", DEMO_PASSWORD, _address())["accessToken"]
    email, password = f"{unique('cached').lower()}@test.campus", "Cached-pass-2026"
    created = a.post(
        {
            "query": "mutation($i: UserCreateInput!) { userCreate(input: $i) { user { id } errors { code } } }",
            "variables": {"i": {"email": email, "role": "TEACHER", "fullName": "Cached Teacher", "password": password}},
        },
        admin,
    ).json()
    user_id = created["data"]["userCreate"]["user"]["id"]
    greenwood = a.post({"query": '{ schools(filter: {schoolCode: {eq: "DEMO-GWH"}}) { nodes { id } } }'}, admin)
    school = greenwood.json()["data"]["schools"]["nodes"][0]["id"]
    assigned = a.post(
        {
            "query": "mutation($i: RoleAssignInput!) { roleAssign(input: $i) { roleAssignment { id } errors { code } } }",
            "variables": {"i": {"userId": user_id, "role": "TEACHER", "tenantId": school}},
        },
        admin,
    ).json()
    membership = assigned["data"]["roleAssign"]["roleAssignment"]["id"]
    token = _login(b, email, password, _address())["accessToken"]
    query = {"query": "{ me { rolesInForce } schools(first: 1) { nodes { schoolCode } } }"}
    for _ in range(2):  # the second request's identity comes from B's cache
        body = b.post(query, token).json()
        assert body["data"]["me"]["rolesInForce"] == ["TEACHER"], body
        assert body["data"]["schools"]["nodes"] == [{"schoolCode": "DEMO-GWH"}], body
    revoked = a.post(
        {
            "query": "mutation($id: ID!) { roleRevoke(input: {id: $id}) { errors { code } } }",
            "variables": {"id": membership},
        },
        admin,
    ).json()
    assert revoked["data"]["roleRevoke"]["errors"] == [], revoked
    after = b.post({"query": "{ me { rolesInForce } }"}, token).json()
    assert after["data"]["me"]["rolesInForce"] == [], after
    # nothing of the school is readable any more: refused, or an empty list
    schools = b.post({"query": "{ schools(first: 1) { nodes { schoolCode } } }"}, token).json().get("data") or {}
    assert not (schools.get("schools") or {}).get("nodes"), schools


def test_an_account_locked_on_one_process_is_locked_on_the_other(pair):
    a, b = pair
    email = f"{unique('locked')}@nowhere.test"
    failures = [_login(a, email, "wrong password", _address())["errors"][0]["code"] for _ in range(5)]
    assert "LOCKED" not in failures, failures  # wrong, not yet locked
    # from another address too: the lock is the account's, and B reads A's failures
    assert _login(b, email, "wrong password", _address())["errors"][0]["code"] == "LOCKED"
