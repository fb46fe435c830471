"""The committed SDL, the permission declarations, and the migrations match the code."""

from __future__ import annotations

import os

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

import models
from auth.permissions import DECLARED
from gateway import migrate
from migrations import policies
from schema.root import build_schema, schema_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_current():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema_sdl(), "schema.graphql drifted: run `./dev campus export-schema`"


def test_every_root_field_declares_who_may_use_it():
    schema = build_schema()._schema
    missing = [
        f"{root.name}.{name}"
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if root is not None
        for name in root.fields
        if f"{root.name}.{name}" not in DECLARED
    ]
    assert missing == []


def test_no_secret_fields_in_the_schema():
    sdl = build_schema().as_str().lower()
    assert "passwordhash" not in sdl and "password_hash" not in sdl


def _sync_url(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql+psycopg")


@pytest.fixture(scope="module")
def sync_engine(pg_url):
    pytest.importorskip("psycopg")
    engine = create_engine(_sync_url(pg_url))
    yield engine
    engine.dispose()


def test_models_and_migrations_agree(sync_engine):
    with sync_engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True}),
            models.Base.metadata,
        )
    assert diff == [], f"models and migrations differ: {diff}"


MIGRATION_CHECK_DB = f"campus_migration_check_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture
def scratch_db_url(sync_engine, pg_url):
    """A database of its own: the round trip below drops tables other tests use."""
    name = MIGRATION_CHECK_DB  # per xdist worker: the workers share one server
    with sync_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    from sqlalchemy.engine import make_url

    yield pg_url.replace(f"/{make_url(pg_url).database}?", f"/{name}?")
    with sync_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.slow
def test_newest_migration_downgrades_and_upgrades_again(scratch_db_url):
    script = ScriptDirectory.from_config(migrate.alembic_config(scratch_db_url))
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision or "base"
    migrate.upgrade(scratch_db_url, "head")
    migrate.downgrade(scratch_db_url, previous)
    down = create_engine(_sync_url(scratch_db_url))
    try:
        with down.connect() as conn:  # the downgrade really stepped back one revision
            assert [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")] == (
                [] if previous == "base" else [previous]
            )
    finally:
        down.dispose()
    migrate.upgrade(scratch_db_url, "head")
    engine = create_engine(_sync_url(scratch_db_url))
    try:
        with engine.connect() as conn:
            # the round trip ran on the scratch database, and left it at the head revision
            assert conn.exec_driver_sql("SELECT current_database()").scalar() == MIGRATION_CHECK_DB
            assert [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")] == [head]
            # and every table's policies as the models say
            have = policies.actual(conn)
            assert policies.differences(policies.normalized(conn, policies.expected(), have.keys()), have) == []
            conn.rollback()
    finally:
        engine.dispose()


def test_the_sdl_names_its_roots_and_no_type_borrows_a_root_operation_name():
    """Tools that read schema.graphql find the roots in the `schema` block, and no type is named
    after a root operation type (a `Subscription` type would be read as the subscription root)."""
    from graphql import build_schema as parse_sdl

    committed = (ROOT / "schema.graphql").read_text()
    assert committed.startswith("schema {\n  query: Query\n  mutation: Mutation\n  subscription: Subscription\n}\n")
    parsed = parse_sdl(committed)
    assert parsed.query_type.name == "Query" and parsed.mutation_type.name == "Mutation"
    assert parsed.subscription_type is not None and parsed.subscription_type.name == "Subscription"
    live = build_schema()._schema
    borrowed = {"Query", "Mutation", "Subscription"} - {
        t.name for t in (live.query_type, live.mutation_type, live.subscription_type) if t
    }
    assert [name for name in live.type_map if name in borrowed] == []
