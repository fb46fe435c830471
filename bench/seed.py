"""Seed the benchmark dataset: N schools `BENCH-00001`.. with K academic sessions each.

    python bench/seed.py --schools 2000 [--sessions-per-school 4] --url URL

Idempotent: schools are keyed by `school_code`, sessions by (name, school_id); re-running with
the same N inserts nothing, a larger N adds only the missing schools. The current session of
every bench school is set to its latest one. Rows are streamed with COPY into a temporary table
and merged with INSERT .. ON CONFLICT DO NOTHING: 2,000 schools take ~0.3 s, 100,000 ~15 s.

The URL may be the SQLAlchemy form (`postgresql+asyncpg://...`) or a plain libpq one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass

import asyncpg

CODE_PREFIX = "BENCH-"
LATEST_SESSION_START_YEAR = 2025  # the latest session is "2025-26"

# (city, state, pincode prefix)
CITIES = [
    ("Mumbai", "Maharashtra", "400"),
    ("Pune", "Maharashtra", "411"),
    ("Nagpur", "Maharashtra", "440"),
    ("Delhi", "Delhi", "110"),
    ("Bengaluru", "Karnataka", "560"),
    ("Mysuru", "Karnataka", "570"),
    ("Chennai", "Tamil Nadu", "600"),
    ("Coimbatore", "Tamil Nadu", "641"),
    ("Madurai", "Tamil Nadu", "625"),
    ("Hyderabad", "Telangana", "500"),
    ("Kolkata", "West Bengal", "700"),
    ("Ahmedabad", "Gujarat", "380"),
    ("Surat", "Gujarat", "395"),
    ("Jaipur", "Rajasthan", "302"),
    ("Lucknow", "Uttar Pradesh", "226"),
    ("Kanpur", "Uttar Pradesh", "208"),
    ("Varanasi", "Uttar Pradesh", "221"),
    ("Patna", "Bihar", "800"),
    ("Bhopal", "Madhya Pradesh", "462"),
    ("Indore", "Madhya Pradesh", "452"),
    ("Kochi", "Kerala", "682"),
    ("Thiruvananthapuram", "Kerala", "695"),
    ("Bhubaneswar", "Odisha", "751"),
    ("Guwahati", "Assam", "781"),
    ("Chandigarh", "Chandigarh", "160"),
    ("Dehradun", "Uttarakhand", "248"),
    ("Ranchi", "Jharkhand", "834"),
    ("Visakhapatnam", "Andhra Pradesh", "530"),
    ("Vijayawada", "Andhra Pradesh", "520"),
    ("Goa", "Goa", "403"),
]
PATRONS = [
    "St. Xavier's",
    "St. Mary's",
    "Holy Cross",
    "Carmel",
    "Don Bosco",
    "Kendriya Vidyalaya",
    "Delhi Public",
    "DAV",
    "Sacred Heart",
    "Loyola",
    "Bharatiya Vidya Bhavan",
    "Sarvodaya",
    "Little Flower",
    "Vidya Niketan",
    "Sri Chaitanya",
    "Narayana",
    "Ryan International",
    "Podar",
    "Modern",
    "Springdale",
    "Greenwood",
    "Army Public",
    "Jawahar Navodaya",
    "Sainik",
    "Mount Carmel",
    "Bishop Cotton",
    "La Martiniere",
    "Heritage",
    "Presidency",
    "National Public",
    "Amity",
    "Vivekananda",
    "Saraswati Vidya Mandir",
    "Gurukul",
]
KINDS = [
    "School",
    "High School",
    "Public School",
    "Senior Secondary School",
    "Convent School",
    "Academy",
    "Higher Secondary School",
    "International School",
    "Vidyalaya",
    "Model School",
]
BOARDS = ["CBSE", "ICSE", "State Board", "IB", "Cambridge"]
MEDIA = ["English", "Hindi", "English", "Marathi", "Tamil", "Kannada", "Telugu", "Bengali"]
STREETS = [
    "MG Road",
    "Station Road",
    "Nehru Nagar",
    "Gandhi Marg",
    "Civil Lines",
    "Park Street",
    "Lake View Road",
    "Ring Road",
    "Sector 12",
    "Model Town",
    "Church Street",
    "Temple Road",
]


def plain_url(url: str) -> str:
    """asyncpg wants `postgresql://`; accept the SQLAlchemy `postgresql+asyncpg://` form too."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


def school_code(i: int) -> str:
    return f"{CODE_PREFIX}{i:05d}"


def school_row(i: int) -> tuple:
    """Deterministic, realistic-looking school number i (1-based)."""
    rnd = random.Random(i * 7919)
    city, state, pin = CITIES[rnd.randrange(len(CITIES))]
    patron = PATRONS[rnd.randrange(len(PATRONS))]
    kind = KINDS[rnd.randrange(len(KINDS))]
    name = f"{patron} {kind}, {city}"
    if rnd.random() < 0.3:  # several branches of the same chain in one city
        name = f"{patron} {kind}, {city} ({STREETS[rnd.randrange(len(STREETS))]})"
    slug = "".join(ch for ch in f"{patron}{kind}".lower() if ch.isalnum())[:24]
    code = school_code(i)
    return (
        name,  # name
        f"{patron} {kind}",  # display_name
        BOARDS[rnd.randrange(len(BOARDS))],  # board
        MEDIA[rnd.randrange(len(MEDIA))],  # medium
        code,  # school_code
        f"AFF/{state[:2].upper()}/{rnd.randrange(10**6):06d}",  # affiliation_code
        f"{rnd.randrange(1, 400)}, {STREETS[rnd.randrange(len(STREETS))]}",  # address
        city,
        state,
        f"{pin}{rnd.randrange(1000):03d}",  # pincode
        f"+91 {rnd.randrange(70000, 99999)} {rnd.randrange(10**5):05d}",  # contact_number
        f"office.{i}@{slug}.edu.in",  # contact_email
        f"https://{slug}-{i}.edu.in",  # website
        f"https://cdn.example.edu.in/logos/{code.lower()}.png",  # logo_url
        f"{patron} {kind} is a co-educational {BOARDS[rnd.randrange(len(BOARDS))]} school in {city}, {state}.",
        True,  # active (the gateway may hide inactive rows)
    )


SCHOOL_COLUMNS = [
    "name",
    "display_name",
    "board",
    "medium",
    "school_code",
    "affiliation_code",
    "address",
    "city",
    "state",
    "pincode",
    "contact_number",
    "contact_email",
    "website",
    "logo_url",
    "description",
    "active",
]


def session_years(k: int) -> list[int]:
    return list(range(LATEST_SESSION_START_YEAR - k + 1, LATEST_SESSION_START_YEAR + 1))


def session_name(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@dataclass
class SeedResult:
    schools_inserted: int
    sessions_inserted: int
    current_updated: int
    bench_schools: int
    bench_sessions: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"seed: +{self.schools_inserted} schools, +{self.sessions_inserted} sessions, "
            f"{self.current_updated} current sessions set; bench data now {self.bench_schools} schools / "
            f"{self.bench_sessions} sessions ({self.seconds:.2f}s)"
        )


async def seed(url: str, schools: int, sessions_per_school: int = 4) -> SeedResult:
    if schools < 1 or sessions_per_school < 1:
        raise ValueError("--schools and --sessions-per-school must be >= 1")
    t0 = time.perf_counter()
    conn = await asyncpg.connect(plain_url(url))
    try:
        async with conn.transaction():
            existing = {
                r[0]
                for r in await conn.fetch(
                    "SELECT school_code FROM schools WHERE school_code LIKE $1", CODE_PREFIX + "%"
                )
            }
            missing = [i for i in range(1, schools + 1) if school_code(i) not in existing]
            schools_inserted = 0
            if missing:
                cols = ", ".join(SCHOOL_COLUMNS)
                await conn.execute(
                    f"CREATE TEMP TABLE bench_school_in ON COMMIT DROP AS SELECT {cols} FROM schools WITH NO DATA"
                )
                await conn.copy_records_to_table(
                    "bench_school_in", records=(school_row(i) for i in missing), columns=SCHOOL_COLUMNS
                )
                # ORDER BY school_code: ids follow the code order, so BENCH-00001 has the lowest id.
                status = await conn.execute(
                    f"INSERT INTO schools ({cols}) SELECT {cols} FROM bench_school_in ORDER BY school_code "
                    "ON CONFLICT (school_code) DO NOTHING"
                )
                schools_inserted = int(status.split()[-1])

            years = session_years(sessions_per_school)
            status = await conn.execute(
                """
                INSERT INTO academic_sessions (name, start_date, end_date, active, school_id)
                SELECT y::text || '-' || lpad(((y + 1) % 100)::text, 2, '0'),
                       make_date(y, 6, 1), make_date(y + 1, 3, 31), y = $3, s.id
                FROM schools s CROSS JOIN unnest($2::int[]) AS y
                WHERE s.school_code LIKE $1
                ORDER BY s.id, y
                ON CONFLICT (name, school_id) DO NOTHING
                """,
                CODE_PREFIX + "%",
                years,
                years[-1],
            )
            sessions_inserted = int(status.split()[-1])

            status = await conn.execute(
                """
                UPDATE schools s SET current_session_id = a.id
                FROM academic_sessions a
                WHERE s.school_code LIKE $1 AND a.school_id = s.id AND a.name = $2
                  AND s.current_session_id IS DISTINCT FROM a.id
                """,
                CODE_PREFIX + "%",
                session_name(years[-1]),
            )
            current_updated = int(status.split()[-1])

        if schools_inserted or sessions_inserted or current_updated:
            await conn.execute("ANALYZE schools")
            await conn.execute("ANALYZE academic_sessions")
        bench_schools = await conn.fetchval("SELECT count(*) FROM schools WHERE school_code LIKE $1", CODE_PREFIX + "%")
        bench_sessions = await conn.fetchval(
            "SELECT count(*) FROM academic_sessions a JOIN schools s ON s.id = a.school_id WHERE s.school_code LIKE $1",
            CODE_PREFIX + "%",
        )
    finally:
        await conn.close()
    return SeedResult(
        schools_inserted, sessions_inserted, current_updated, bench_schools, bench_sessions, time.perf_counter() - t0
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--schools", type=int, required=True, help="number of BENCH- schools to ensure")
    ap.add_argument("--sessions-per-school", type=int, default=4, help="academic sessions per school (default 4)")
    ap.add_argument("--url", required=True, help="database URL (postgresql[+asyncpg]://...)")
    args = ap.parse_args(argv)
    print(asyncio.run(seed(args.url, args.schools, args.sessions_per_school)))


if __name__ == "__main__":
    main()
