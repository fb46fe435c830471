"""Latency of the finance hot spots on a 5,000-student school (issue 5's figures).

    .venv/bin/python bench/finance.py [--students 5000] [--requests 400]

Starts a throwaway embedded PostgreSQL (bench/.data/finance-pg), migrates, loads the demo,
seeds a school of its own with N students and fee assignments (discounts, sponsors, late
fees, payments), then drives the ASGI app in-process with real tokens:
- `defaulters(first: 20)` at cursors spread over the whole list;
- `feePaymentRecord` paying 1.00 on a fresh assignment each time (distinct idempotency keys).
Reports p50/p99 (client wall time and server time) and SQL statements per request.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

import demo
from gateway import embedded_pg, migrate  # noqa: E402
from gateway.app import create_app  # noqa: E402
from kit.settings import Settings  # noqa: E402
from kit.ids import encode_gid  # noqa: E402
from tests.conftest import login, make_schools, unique  # noqa: E402
from tests.test_finance import new_user  # noqa: E402
from tests.test_reports import DEFAULTERS, seed_fees  # noqa: E402

PAY = """mutation($input: FeePaymentRecordInput!) { feePaymentRecord(input: $input) {
  feePayment { id principalPaid } errors { code message } } }"""


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def report(name: str, walls: list[float], servers: list[float], statements: set[int]) -> None:
    print(
        f"| {name} | {len(walls)} | {pct(walls, 50):.1f} | {pct(walls, 99):.1f} | {pct(servers, 50):.1f} | "
        f"{pct(servers, 99):.1f} | {', '.join(map(str, sorted(statements)))} |"
    )


async def main(pg: object, folder: Path, students: int, requests: int) -> None:
    await demo.load(pg.url())
    db = await asyncpg.create_pool(pg.url().replace("postgresql+asyncpg", "postgresql"), min_size=1, max_size=4)
    [school] = await make_schools(db, unique("FINBENCH"), 1, sessions_per_school=2)
    t0 = time.perf_counter()
    for start in range(0, students, 1000):
        await seed_fees(
            db, school["id"], school["sessions"][-1], school["sessions"][0], min(1000, students - start), start=start
        )
    async with db.acquire() as conn:
        await conn.execute("ANALYZE")
        assignments = await conn.fetch(
            "SELECT a.id, a.student_id FROM student_fee_assignments a WHERE a.school_id = $1 AND a.active "
            "AND a.session_id = $2 AND a.late_fee_accrued = a.late_fee_paid + a.late_fee_waived "
            "AND a.amount - a.total_discount_amount - a.sponsor_covered_amount - a.principal_paid >= 2 "
            "AND (a.due_date IS NULL OR a.late_fee_type = 'NONE' OR a.due_date > now()::date) ORDER BY a.id LIMIT $3",
            school["id"],
            school["sessions"][-1],
            requests,
        )
    print(f"seeded {students} students in {time.perf_counter() - t0:.1f} s; {len(assignments)} payable assignments")
    email = await new_user(db, school["id"], "SCHOOL_ADMIN")
    app = create_app(
        Settings(query_stats=True, log_level="WARNING", data_dir=folder.parent), database_url=pg.url(user="campus_app")
    )
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        headers = {"Authorization": f"Bearer {(await login(client, email))['accessToken']}"}

        async def call(query: str, variables: dict) -> tuple[float, dict]:
            t = time.perf_counter()
            body = (
                await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            ).json()
            assert "errors" not in body, body
            return (time.perf_counter() - t) * 1000, body

        cursors, after = [None], None
        while len(cursors) < 40:
            _, body = await call(DEFAULTERS, {"first": 100, "after": after})
            page = body["data"]["defaulters"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
            cursors.append(after)
        walls, servers, stmts = [], [], set()
        for i in range(requests):
            wall, body = await call(DEFAULTERS, {"first": 20, "after": cursors[i % len(cursors)]})
            walls.append(wall)
            servers.append(body["extensions"]["stats"]["totalMs"])
            stmts.add(body["extensions"]["stats"]["sqlStatements"])
        print("\n| request | n | client p50 ms | client p99 ms | server p50 ms | server p99 ms | SQL statements |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        report(f"defaulters(first: 20) over {students} students", walls, servers, stmts)

        today = __import__("datetime").datetime.now(__import__("datetime").UTC).date().isoformat()
        walls, servers, stmts = [], [], set()
        for row in assignments:
            wall, body = await call(
                PAY,
                {
                    "input": {
                        "studentId": encode_gid("Student", row["student_id"]),
                        "paymentDate": today,
                        "mode": "CASH",
                        "idempotencyKey": unique("pay"),
                        "allocations": [
                            {"assignmentId": encode_gid("StudentFeeAssignment", row["id"]), "amount": "1.00"}
                        ],
                    }
                },
            )
            assert body["data"]["feePaymentRecord"]["errors"] == [], body
            walls.append(wall)
            servers.append(body["extensions"]["stats"]["totalMs"])
            stmts.add(body["extensions"]["stats"]["sqlStatements"])
        report("feePaymentRecord (1 allocation)", walls, servers, stmts)
    await db.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--requests", type=int, default=400)
    args = ap.parse_args()
    folder = ROOT / "bench" / ".data" / "finance-pg"
    shutil.rmtree(folder, ignore_errors=True)
    server = embedded_pg.start(folder, throwaway=True)
    try:
        migrate.upgrade(server.url())
        asyncio.run(main(server, folder, args.students, args.requests))
    finally:
        server.cleanup()
