"""Response sizes with and without compression, for the answers clients fetch most.

    .venv/bin/python bench/compression.py

Starts a throwaway embedded PostgreSQL with the demo data, asks through the ASGI app, prints
bytes on the wire per encoding and the time to compress."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from graphql import get_introspection_query

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import demo  # noqa: E402
from gateway import embedded_pg, migrate  # noqa: E402
from gateway.app import create_app  # noqa: E402
from kit.settings import Settings  # noqa: E402

STUDENTS = """query StudentsPage { students(first: 100) { totalCount nodes { id admissionNumber firstName lastName
  dob gender currentStatus contactNumber email city dateOfAdmission currentClass { name } } } }"""


async def measure(pg, folder: Path) -> None:
    app = create_app(Settings(log_level="WARNING", data_dir=folder), database_url=pg.url(user="campus_app"))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c,
    ):
        token = (
            await c.post(
                "/graphql",
                json={
                    "query": 'mutation { tokenCreate(input: {email: "admin@greenwood.demo", '
                    f'password: "{demo.DEMO_PASSWORD}"}}) {{ accessToken }} }}'
                },
            )
        ).json()["data"]["tokenCreate"]["accessToken"]
        auth = {"Authorization": f"Bearer {token}"}
        print(f"{'answer':<34}{'encoding':<10}{'bytes':>12}{'ratio':>8}{'ms':>9}")
        for name, query in (
            ("GraphiQL introspection", get_introspection_query(descriptions=True)),
            ("students page (100, admin)", STUDENTS),
        ):
            plain = None
            for encoding in ("identity", "gzip", "br", "zstd"):
                t0 = time.perf_counter()
                r = await c.post("/graphql", json={"query": query}, headers={**auth, "Accept-Encoding": encoding})
                ms = (time.perf_counter() - t0) * 1000
                assert "errors" not in r.json(), r.text[:300]
                size = r.num_bytes_downloaded
                plain = plain or size
                print(f"{name:<34}{encoding:<10}{size:>12,}{plain / size:>8.1f}{ms:>9.0f}")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="campus-bench-"))
    pg = embedded_pg.start(folder / "pg", throwaway=True)
    try:
        migrate.upgrade(pg.url())  # runs its own event loop
        asyncio.run(demo.load(pg.url()))
        asyncio.run(measure(pg, folder))
    finally:
        pg.cleanup()


if __name__ == "__main__":
    main()
