"""Derived hostel analytics (resolvers/hostel/analytics.py): computed from the operational rows,
replaced (not added) when computed again, stamped with computedAt; `hostelAnalyticsCompute`
for hostel admins and `campus compute-analytics` on the console."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

from kit.ids import encode_gid
from tests.conftest import bearer, unique
from tests.test_hostel_reads import TODAY, add_booking, add_resident, build_hostel, hostel_user

COMPUTE = """mutation($input: HostelAnalyticsComputeInput!) { hostelAnalyticsCompute(input: $input) {
  hostelAnalytic { periodStart periodEnd totalBeds averageOccupancyRate bookingsCreated bookingsConfirmed
                   bookingsCancelled checkIns revenue refunds averageMonthlyRent computedAt }
  errors { code field message } } }"""

# an as-of date in a month that is over: the 15th, two months back
AS_OF = (TODAY.replace(day=1) - dt.timedelta(days=40)).replace(day=15)
P = AS_OF.replace(day=1)  # the period: [P, AS_OF + 1), 15 days


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


async def scenario(client: Any, db: Any, **kw: Any) -> dict[str, Any]:
    """4 beds in 2 rooms. Bed 0: a resident since before the period (rent 5000). Bed 1: held by a
    CONFIRMED booking from P (rent 3000), created on P, confirmed on P + 1, refunded 200 on P + 9.
    Bed 2: a resident who moved out, [P, P + 5) (rent 6000). Another booking cancelled on P + 3."""
    h = await build_hostel(db, **kw)
    await add_resident(db, h, h["beds"][0], AS_OF - dt.timedelta(days=45), rent="5000.00")
    await add_resident(db, h, h["beds"][2], P, P + dt.timedelta(days=5), status="ENDED", rent="6000.00")
    booking = await add_booking(db, h, P, P + dt.timedelta(days=92), bed=h["beds"][1], rent="3000.00", created_at=at(P))
    cancelled = await add_booking(
        db,
        h,
        P + dt.timedelta(days=20),
        P + dt.timedelta(days=50),
        status="CANCELLED",
        created_at=at(P - dt.timedelta(days=10)),
    )
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO booking_status_history (hostel_id, booking_id, from_status, to_status, created_at) "
            "VALUES ($1, $2, 'APPROVED', 'CONFIRMED', $3), ($1, $4, 'PENDING', 'CANCELLED', $5)",
            h["id"],
            booking,
            at(P + dt.timedelta(days=1)),
            cancelled,
            at(P + dt.timedelta(days=3)),
        )
        await conn.execute(
            "INSERT INTO refund_transactions (hostel_id, booking_id, amount, created_at) VALUES ($1, $2, 200, $3)",
            h["id"],
            booking,
            at(P + dt.timedelta(days=9)),
        )
    h["admin"], _ = await hostel_user(client, db, h, "HOSTEL_ADMIN")
    return h


READ_BACK = """query($day: Date!, $p: Date!) {
  hostelAnalytics { totalCount nodes { periodStart averageOccupancyRate revenue computedAt } }
  occupancyTrends(first: 100, orderBy: [{field: DAY}]) { totalCount nodes { day totalBeds occupiedBeds reservedBeds
                                                                        blockedBeds occupancyRate computedAt } }
  revenueTrends(first: 100, filter: {periodStart: {eq: $p}}) { nodes { period bookedRevenue refunds netRevenue bookings } }
  daily: revenueTrends(filter: {periodStart: {eq: $day}, period: {eq: DAILY}}) { nodes { bookedRevenue refunds netRevenue } }
  bedUtilization(first: 100) { totalCount nodes { bed { id } occupiedDays occupancyRate revenue } }
  roomTypeAvailability { totalCount nodes { asOf totalBeds occupiedBeds reservedBeds blockedBeds availableBeds } }
  dayAvailability(first: 100) { totalCount }
  availabilityForecasts(first: 1) { totalCount }
  roomAvailability { totalCount nodes { state occupiedBeds reservedBeds freeBeds effectiveMonthlyRent } }
  assignmentOptimizations { totalCount nodes { bedsConsidered partlyOccupiedRooms roomsFreeable suggestedMoves occupancyRate } }
  availabilityOptimizations { totalCount nodes { horizonStart occupancyRate } }
  hostelComparisons { totalCount nodes { peerCount occupancyRate } }
}"""


async def test_figures_equal_what_the_operational_rows_say(gql, db, client):
    h = await scenario(client, db)
    body = await gql(COMPUTE, {"input": {"asOf": str(AS_OF)}}, headers=h["admin"])
    payload = body["data"]["hostelAnalyticsCompute"]
    assert payload["errors"] == []
    analytic = payload["hostelAnalytic"]
    assert analytic["computedAt"]
    assert {k: v for k, v in analytic.items() if k != "computedAt"} == {
        "periodStart": str(P),
        "periodEnd": str(AS_OF + dt.timedelta(days=1)),
        "totalBeds": 4,
        # (15 + 5) occupied bed-days of 4 x 15
        "averageOccupancyRate": "33.33",
        "bookingsCreated": 1,
        "bookingsConfirmed": 1,
        "bookingsCancelled": 1,
        "checkIns": 0,
        "revenue": "1500.00",  # 3000 x 15 / 30
        "refunds": "200.00",
        "averageMonthlyRent": "5000.00",
    }

    data = (await gql(READ_BACK, {"day": str(P + dt.timedelta(days=9)), "p": str(P)}, headers=h["admin"]))["data"]
    trends = data["occupancyTrends"]
    assert trends["totalCount"] == 15 and all(t["computedAt"] for t in trends["nodes"])
    last = trends["nodes"][-1]
    # 4 beds, 1 resident, 1 booking hold -> 25%
    assert last == {
        **last,
        "day": str(AS_OF),
        "totalBeds": 4,
        "occupiedBeds": 1,
        "reservedBeds": 1,
        "blockedBeds": 0,
        "occupancyRate": "25.00",
    }
    assert trends["nodes"][2]["occupiedBeds"] == 2 and trends["nodes"][2]["occupancyRate"] == "50.00"

    monthly = [r for r in data["revenueTrends"]["nodes"] if r["period"] == "MONTHLY"]
    assert monthly == [
        {"period": "MONTHLY", "bookedRevenue": "1500.00", "refunds": "200.00", "netRevenue": "1300.00", "bookings": 1}
    ]
    assert data["daily"]["nodes"] == [{"bookedRevenue": "100.00", "refunds": "200.00", "netRevenue": "-100.00"}]

    beds = {b["bed"]["id"]: b for b in data["bedUtilization"]["nodes"]}
    assert data["bedUtilization"]["totalCount"] == 4
    assert beds[encode_gid("Bed", h["beds"][0]["id"])] == {
        "bed": {"id": encode_gid("Bed", h["beds"][0]["id"])},
        "occupiedDays": 15,
        "occupancyRate": "100.00",
        "revenue": "2500.00",
    }
    assert {
        k: beds[encode_gid("Bed", h["beds"][2]["id"])][k] for k in ("occupiedDays", "occupancyRate", "revenue")
    } == {"occupiedDays": 5, "occupancyRate": "33.33", "revenue": "1000.00"}
    assert beds[encode_gid("Bed", h["beds"][1]["id"])]["occupiedDays"] == 0  # held by a booking, not slept in

    assert data["roomTypeAvailability"]["nodes"] == [
        {"asOf": str(AS_OF), "totalBeds": 4, "occupiedBeds": 1, "reservedBeds": 1, "blockedBeds": 0, "availableBeds": 2}
    ]
    assert data["dayAvailability"]["totalCount"] == 90
    assert data["availabilityForecasts"]["totalCount"] == 30
    rooms = data["roomAvailability"]["nodes"]
    assert sorted(r["state"] for r in rooms) == ["AVAILABLE", "FULL"]
    assert {r["effectiveMonthlyRent"] for r in rooms} == {"6000.00"}
    [opt] = data["assignmentOptimizations"]["nodes"]
    assert opt == {
        "bedsConsidered": 4,
        "partlyOccupiedRooms": 0,
        "roomsFreeable": 0,
        "suggestedMoves": [],
        "occupancyRate": "25.00",
    }
    assert data["availabilityOptimizations"]["nodes"][0]["horizonStart"] == str(AS_OF)
    assert data["hostelComparisons"]["nodes"] == [{"peerCount": 0, "occupancyRate": "25.00"}]


async def test_computing_again_replaces_rows(gql, db, client):
    h = await scenario(client, db)
    first = await gql(COMPUTE, {"input": {"asOf": str(AS_OF)}}, headers=h["admin"])
    before = (await gql(READ_BACK, {"day": str(AS_OF), "p": str(P)}, headers=h["admin"]))["data"]
    await asyncio.sleep(0.01)
    # a new resident on bed 3 since P: the figures change, the rows do not multiply
    await add_resident(db, h, h["beds"][3], P, rent="4000.00")
    second = await gql(COMPUTE, {"input": {"asOf": str(AS_OF)}}, headers=h["admin"])
    after = (await gql(READ_BACK, {"day": str(AS_OF), "p": str(P)}, headers=h["admin"]))["data"]
    for name in (
        "hostelAnalytics",
        "occupancyTrends",
        "bedUtilization",
        "roomTypeAvailability",
        "dayAvailability",
        "availabilityForecasts",
        "roomAvailability",
        "assignmentOptimizations",
        "availabilityOptimizations",
        "hostelComparisons",
    ):
        assert after[name]["totalCount"] == before[name]["totalCount"] > 0, name
    assert after["occupancyTrends"]["nodes"][-1]["occupancyRate"] == "50.00"
    assert second["data"]["hostelAnalyticsCompute"]["hostelAnalytic"]["averageOccupancyRate"] == "58.33"  # (20+15)/60
    stamps = [
        dt.datetime.fromisoformat(p["data"]["hostelAnalyticsCompute"]["hostelAnalytic"]["computedAt"])
        for p in (first, second)
    ]
    assert stamps[1] > stamps[0]


async def test_consolidation_and_alerts_follow_the_beds(gql, db, client):
    # 2 rooms of 2 beds, one resident in each: one room could be emptied
    h = await build_hostel(db)
    await add_resident(db, h, h["beds"][0], TODAY - dt.timedelta(days=3))
    moved = await add_resident(db, h, h["beds"][2], TODAY - dt.timedelta(days=3))
    admin, _ = await hostel_user(client, db, h, "HOSTEL_ADMIN")
    query = """{ assignmentOptimizations { nodes { partlyOccupiedRooms roomsFreeable suggestedMoves } }
                 roomAvailabilityAlerts(first: 50) { nodes { alertType forDate freeBeds } } }"""
    assert (await gql(COMPUTE, {"input": {}}, headers=admin))["data"]["hostelAnalyticsCompute"]["errors"] == []
    data = (await gql(query, headers=admin))["data"]
    [opt] = data["assignmentOptimizations"]["nodes"]
    assert opt["partlyOccupiedRooms"] == 2 and opt["roomsFreeable"] == 1 and len(opt["suggestedMoves"]) == 1
    assert data["roomAvailabilityAlerts"]["nodes"] == []
    # fill the hostel for today: sold out, then one leaves and the alert goes
    await add_resident(db, h, h["beds"][1], TODAY, TODAY + dt.timedelta(days=1))
    await add_resident(db, h, h["beds"][3], TODAY, TODAY + dt.timedelta(days=1))
    await gql(COMPUTE, {"input": {}}, headers=admin)
    alerts = (await gql(query, headers=admin))["data"]["roomAvailabilityAlerts"]["nodes"]
    assert {"alertType": "SOLD_OUT", "forDate": str(TODAY), "freeBeds": 0} in alerts
    async with db.acquire() as conn:
        await conn.execute("UPDATE bed_assignments SET status = 'CANCELLED' WHERE student_id = $1", moved)
    await gql(COMPUTE, {"input": {}}, headers=admin)
    alerts = (await gql(query, headers=admin))["data"]["roomAvailabilityAlerts"]["nodes"]
    assert [a["alertType"] for a in alerts if a["forDate"] == str(TODAY)] == ["LOW_AVAILABILITY"]


async def test_peers_of_the_city_competitors_and_benchmark(gql, db, client):
    city = unique("Peer City")
    h = await scenario(client, db, city=city)
    peer = await build_hostel(db, rooms=2, beds_per_room=1, city=city, price="5000.00")
    await add_resident(db, peer, peer["beds"][0], AS_OF - dt.timedelta(days=30))
    hidden = await build_hostel(db, rooms=1, beds_per_room=1, city=city, public=False)  # not a peer: private
    await gql(COMPUTE, {"input": {"asOf": str(AS_OF)}}, headers=h["admin"])
    data = (
        await gql(
            """query($city: String!) {
      hostelComparisons { nodes { asOf peerCount occupancyRate peerAverageOccupancyRate priceRank occupancyRank metrics } }
      competitorAnalyses { nodes { competitor { slug } ourStartingPrice theirStartingPrice priceDifference
                                   ourTotalBeds theirTotalBeds } }
      benchmarkData(filter: {city: {eq: $city}}) { nodes { asOf hostelCount totalBeds averageOccupancyRate
                                                           averageStartingPrice computedAt } } }""",
            {"city": city},
            headers=h["admin"],
        )
    )["data"]
    [comparison] = data["hostelComparisons"]["nodes"]
    assert {
        k: comparison[k]
        for k in ("asOf", "peerCount", "occupancyRate", "peerAverageOccupancyRate", "priceRank", "occupancyRank")
    } == {
        "asOf": str(AS_OF),
        "peerCount": 1,
        "occupancyRate": "25.00",
        "peerAverageOccupancyRate": "50.00",
        "priceRank": 2,
        "occupancyRank": 2,
    }
    assert comparison["metrics"]["peerAverageStartingPrice"] == "5000.00"
    [competitor] = data["competitorAnalyses"]["nodes"]
    assert competitor["competitor"]["slug"] == peer["slug"] != hidden["slug"]
    assert (competitor["ourStartingPrice"], competitor["theirStartingPrice"], competitor["priceDifference"]) == (
        "6000.00",
        "5000.00",
        "1000.00",
    )
    [bench] = data["benchmarkData"]["nodes"]
    assert bench["computedAt"] and {k: v for k, v in bench.items() if k != "computedAt"} == {
        "asOf": str(AS_OF),
        "hostelCount": 2,
        "totalBeds": 6,
        "averageOccupancyRate": "33.33",
        "averageStartingPrice": "5500.00",
    }


async def test_wrong_role_future_dates_and_no_hostel_are_refused_and_change_nothing(gql, db, client):
    h = await scenario(client, db)
    count = "{ hostelAnalytics { totalCount } occupancyTrends { totalCount } }"
    supervisor, _ = await hostel_user(client, db, h, "SUPERVISOR")
    resident, _ = await hostel_user(client, db, h, "HOSTEL_STUDENT")
    for headers in (supervisor, resident, await bearer(client, "visitor@demo.campus")):
        body = await gql(COMPUTE, {"input": {"asOf": str(AS_OF)}}, headers=headers, expect_errors=True)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # two days after UTC's: the future in every time zone (a hostel's today is at most UTC's + 1)
    future = await gql(COMPUTE, {"input": {"asOf": str(TODAY + dt.timedelta(days=2))}}, headers=h["admin"])
    payload = future["data"]["hostelAnalyticsCompute"]
    assert payload["hostelAnalytic"] is None
    assert payload["errors"][0]["code"] == "INVALID" and payload["errors"][0]["field"] == ["input", "asOf"]
    assert "in the future" in payload["errors"][0]["message"]
    platform = await gql(COMPUTE, {"input": {}}, headers=await bearer(client, "superadmin@demo.campus"))
    assert platform["data"]["hostelAnalyticsCompute"]["errors"][0]["code"] == "INVALID"
    assert (await gql(count, headers=h["admin"]))["data"] == {
        "hostelAnalytics": {"totalCount": 0},
        "occupancyTrends": {"totalCount": 0},
    }


async def test_no_create_or_update_mutation_exists_for_derived_types(gql):
    body = await gql("{ __schema { mutationType { fields { name } } } }")
    names = {f["name"] for f in body["data"]["__schema"]["mutationType"]["fields"]}
    for entity in (
        "hostelAnalytic",
        "occupancyTrend",
        "revenueTrend",
        "hostelComparison",
        "benchmarkData",
        "competitorAnalysis",
        "bedUtilization",
        "roomTypeAvailability",
        "roomTypeComparison",
        "availabilityForecast",
        "assignmentOptimization",
        "availabilityOptimization",
        "roomAvailability",
        "roomAvailabilityAlert",
        "dayAvailability",
    ):
        assert not [n for n in names if n.lower().startswith(entity.lower()) and n != "hostelAnalyticsCompute"], entity


async def test_console_command_computes_one_hostel_and_refuses_bad_input(gql, db, client, pg_url, monkeypatch, capsys):
    from gateway import cli
    from kit.settings import get_settings

    h = await scenario(client, db)
    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    try:
        code = await asyncio.to_thread(cli.main, ["compute-analytics", "--hostel", h["slug"], "--date", str(AS_OF)])
        assert code == 0
        assert "for 1 hostel(s)" in capsys.readouterr().out
        assert await asyncio.to_thread(cli.main, ["compute-analytics", "--hostel", "no-such-hostel"]) == 2
        assert (
            await asyncio.to_thread(cli.main, ["compute-analytics", "--date", str(TODAY + dt.timedelta(days=2))]) == 2
        )
        assert await asyncio.to_thread(cli.main, ["compute-analytics", "--date", "yesterday"]) == 2
    finally:
        monkeypatch.delenv("DATABASE_URL")
        get_settings.cache_clear()
    body = await gql("{ hostelAnalytics { nodes { revenue averageOccupancyRate computedAt } } }", headers=h["admin"])
    [row] = body["data"]["hostelAnalytics"]["nodes"]
    assert row["revenue"] == "1500.00" and row["averageOccupancyRate"] == "33.33" and row["computedAt"]
    assert Decimal(row["revenue"]) == Decimal("3000.00") * 15 / 30
