"""Persisted queries (APQ) are kept in PostgreSQL (`persisted_queries`), shared by every gateway
process (two processes: tests/test_two_processes.py); the daily job prunes those unseen for
PERSISTED_QUERY_DAYS. The protocol's answers: tests/test_http.py."""

from __future__ import annotations

import hashlib

from resolvers.jobs import tasks
from tests.conftest import unique


def _document() -> tuple[str, str]:
    query = "query %s { hostels(first: 1) { totalCount } }" % unique("Pq").replace("-", "_")
    return query, hashlib.sha256(query.encode()).hexdigest()


def _by_hash(digest: str) -> dict[str, object]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


async def test_queries_unseen_for_a_month_are_pruned_recent_ones_stay(gql, db, app_url):
    (old, old_hash), (recent, recent_hash) = _document(), _document()
    # arranging the past: one registered (by some process) and last seen 31 days ago, one 29
    await db.executemany(
        "INSERT INTO persisted_queries (sha256, document, first_seen, last_seen) "
        "VALUES ($1, $2, now() - make_interval(days => $3), now() - make_interval(days => $3))",
        [(old_hash, old, tasks.PERSISTED_QUERY_DAYS + 1), (recent_hash, recent, tasks.PERSISTED_QUERY_DAYS - 1)],
    )
    async with tasks.opened(app_url):
        assert await tasks.prune_persisted() >= 1
    gone = await gql.client.post("/graphql", headers=gql.headers, json=_by_hash(old_hash))
    assert gone.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    kept = await gql.client.post("/graphql", headers=gql.headers, json=_by_hash(recent_hash))
    assert kept.json()["data"]["hostels"]["totalCount"] >= 2, kept.json()
    # being served refreshed its last_seen, so a pruning of all unseen for a day keeps it (the
    # process's cache would answer anyway: the table is what other processes see)
    async with tasks.opened(app_url):
        await tasks.prune_persisted(days=1)
    assert await db.fetchval("SELECT count(*) FROM persisted_queries WHERE sha256 = $1", recent_hash) == 1
    # served from the process's cache now: no statement more than the document sent whole
    cached = await gql.client.post("/graphql", headers=gql.headers, json=_by_hash(recent_hash))
    whole = await gql.client.post("/graphql", headers=gql.headers, json={"query": recent})
    assert cached.json()["data"] == whole.json()["data"]
    assert (
        cached.json()["extensions"]["stats"]["sqlSetupStatements"]
        == (whole.json()["extensions"]["stats"]["sqlSetupStatements"])
    )
    # `kept` was this process's first sight of its document (not yet known to be read-only: the
    # identity statement and the charge run on their own), so it compares with another first sight
    first = await gql.client.post("/graphql", headers=gql.headers, json={"query": _document()[0]})
    assert kept.json()["extensions"]["stats"]["sqlSetupStatements"] == (
        first.json()["extensions"]["stats"]["sqlSetupStatements"] + 1  # the one look-up in the table
    )


async def test_a_document_that_does_not_validate_is_not_registered(gql):
    query = "query %s { noSuchField }" % unique("Pq").replace("-", "_")
    digest = hashlib.sha256(query.encode()).hexdigest()
    sent = await gql.client.post("/graphql", headers=gql.headers, json={"query": query, **_by_hash(digest)})
    assert sent.json()["errors"][0]["message"].startswith("Cannot query field 'noSuchField'"), sent.json()
    # the client is told to send the document again (and gets its errors), not served a stale one
    by_hash = await gql.client.post("/graphql", headers=gql.headers, json=_by_hash(digest))
    assert by_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
