"""`campus serve` as a newcomer runs it: embedded PostgreSQL, migrations, demo data, clean stop;
and the console commands run next to it on the same DATA_DIR (they share its database)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data_dir: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATA_DIR=str(data_dir), LOG_JSON="false", LOG_LEVEL="WARNING")
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_ready(proc: subprocess.Popen, port: int) -> None:
    deadline = time.time() + 240  # a first start under a loaded CI machine
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited early:\n{proc.stdout.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail("serve did not become ready")  # the caller stops it (SIGTERM: its PostgreSQL too)


def _count_demo_schools(port: int, email: str) -> int:
    url = f"http://127.0.0.1:{port}/graphql"
    login = httpx.post(
        url,
        json={
            "query": "mutation($e: String!, $p: String!) { tokenCreate(input: {email: $e, password: $p}) "
            "{ accessToken errors { message } } }",
            "variables": {"e": email, "p": DEMO_PASSWORD},
        },
    ).json()
    token = login["data"]["tokenCreate"]["accessToken"]
    body = httpx.post(
        url,
        headers={"Authorization": f"Bearer {token}"},
        json={
            "query": '{ schools(filter: {schoolCode: {startsWith: "DEMO-"}}) { totalCount } hostels { totalCount } }'
        },
    ).json()
    assert body["data"]["hostels"]["totalCount"] >= 2, body
    return body["data"]["schools"]["totalCount"]


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env.update(DATA_DIR=str(data_dir), LOG_JSON="false", LOG_LEVEL="WARNING")
    return env


def _server_answers(port: int) -> None:
    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    body = httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": "{ roomTypes(first: 1) { totalCount } }"}, timeout=5
    ).json()
    assert "errors" not in body and body["data"]["roomTypes"]["totalCount"] > 0, body


def _run(data_dir: Path, *commands: list[str]) -> list[str]:
    """Console commands run at once on `data_dir` (as cron jobs would); their outputs. Starting
    Python with the whole gateway imported is most of their cost (about 10 CPU seconds each)."""
    running = [
        (
            command,
            subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", *command],
                cwd=ROOT,
                env=_env(data_dir),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for command in commands
    ]
    outputs = []
    for command, child in running:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, (command, out, err)
        outputs.append(out)
    return outputs


@pytest.mark.slow
def test_serve_with_console_commands_next_to_it_then_a_clean_stop_and_restart(tmp_path):
    """`campus serve` as the README runs it, started once for the whole file (a first start
    creates, migrates and fills a PostgreSQL): demo data, GraphiQL, logins; the console commands
    next to it; a clean stop; a start again on the same folder (by `demo-data`, which serve's
    start shares: the embedded server, migrations, the demo loaded once)."""
    port = _free_port()
    proc = _start(tmp_path, port)
    try:
        _wait_ready(proc, port)
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        assert _count_demo_schools(port, "superadmin@demo.campus") == 2
        assert _count_demo_schools(port, "teacher@greenwood.demo") == 1  # a teacher sees their own school
        jwks = httpx.get(f"http://127.0.0.1:{port}/.well-known/jwks.json").json()
        assert jwks["keys"][0]["crv"] == "Ed25519"

        # Issue 10 item 13: each command attaches to serve's running embedded PostgreSQL and leaves
        # it running (it used to stop it: every request failed until serve was restarted)
        postmaster = (tmp_path / "pg" / "postmaster.pid").read_text().splitlines()[0]
        _run(tmp_path, ["migrate"], ["accrue-late-fees"], ["compute-analytics"])
        _server_answers(port)
        # the very same server, not one restarted under the gateway's feet
        assert (tmp_path / "pg" / "postmaster.pid").read_text().splitlines()[0] == postmaster
    finally:
        out = _stop(proc)
    assert f"http://127.0.0.1:{port}/graphql" in out
    assert "superadmin@demo.campus" in out
    assert not (tmp_path / "pg" / "postmaster.pid").exists(), "the embedded PostgreSQL was left running"

    # started again on the same folder: the demo is not loaded twice, and the last user stops it
    [again] = _run(tmp_path, ["demo-data"])
    assert "demo data already present" in again, again
    assert not (tmp_path / "pg" / "postmaster.pid").exists(), "the embedded PostgreSQL was left running"
