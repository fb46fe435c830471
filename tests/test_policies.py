"""Every table's row-level security, policies, append-only rights and grants in the database are
what its model declares (migrations/policies.py), and the next revision would write what lacks."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from migrations import policies


@pytest.fixture(scope="module")
def sync_engine(pg_url):
    pytest.importorskip("psycopg")
    engine = create_engine(pg_url.replace("postgresql+asyncpg", "postgresql+psycopg"))
    yield engine
    engine.dispose()


def _differences(conn) -> list[str]:
    have = policies.actual(conn)
    return policies.differences(policies.normalized(conn, policies.expected(), have.keys()), have)


def test_every_table_has_the_policies_and_grants_its_model_declares(sync_engine):
    with sync_engine.connect() as conn:
        diff = _differences(conn)
        conn.rollback()
    assert diff == [], "the database and the models' policies differ:\n" + "\n".join(diff)


def test_the_expectations_cover_every_kind():
    want = policies.expected()
    assert want["academic_sessions"].rls and set(want["academic_sessions"].policies) == {"tenant_isolation"}
    assert set(want["hostel_media"].policies) == {"tenant_isolation", "public_catalogue"}  # declared: Entity(...)
    assert "owner_read" in want["bookings"].policies and "owner_read" in want["booking_guests"].policies
    assert "bookings" in want["booking_guests"].policies["owner_read"].using
    assert want["fee_payments"].append_only and not want["students"].append_only
    assert not want["users"].rls and want["users"].policies == {}
    assert want["alembic_version"].privileges == {"SELECT"}


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (
            "DROP POLICY public_catalogue ON hostel_media",
            "hostel_media: policy public_catalogue (CatalogueMixin) is missing",
        ),
        ("ALTER TABLE rooms NO FORCE ROW LEVEL SECURITY", "rooms: row-level security is off"),
        (
            "GRANT UPDATE ON fee_payments TO campus_app",
            "fee_payments: campus_app privileges differ (append-only): has UPDATE",
        ),
        ("CREATE POLICY sneaky ON students USING (true)", "students: policy sneaky is in the database"),
        (
            "REVOKE UPDATE, DELETE ON students FROM campus_app",
            "students: campus_app privileges differ (append-only in the database, not in the model",
        ),
    ],
)
def test_a_damaged_table_is_named_with_its_difference(sync_engine, damage, named):
    with sync_engine.connect() as conn:
        conn.execute(text(damage))
        diff = _differences(conn)
        conn.rollback()
    assert any(line.startswith(named) for line in diff), diff
    assert len(diff) == 1, diff


def test_existing_databases_need_no_policy_operation(sync_engine):
    with sync_engine.connect() as conn:
        assert policies.pending_operations(conn) == []
        conn.rollback()


def test_the_revision_hook_writes_what_the_database_lacks(sync_engine):
    """A dropped policy comes back in the next revision, and its downgrade drops it again."""
    from alembic.operations.ops import DowngradeOps, MigrationScript, UpgradeOps

    class Context:
        def __init__(self, connection):
            self.connection = connection

    with sync_engine.connect() as conn:
        conn.execute(text("DROP POLICY public_catalogue ON hostel_media"))
        conn.execute(text("GRANT DELETE, UPDATE ON room_pricing_history TO campus_app"))
        script = MigrationScript("x", UpgradeOps([]), DowngradeOps([]))
        policies.write_policy_operations(Context(conn), None, [script])
        conn.rollback()
    assert [op.call for op in script.upgrade_ops.ops] == [
        "rls.enable_public_catalogue('hostel_media')",
        "rls.append_only('room_pricing_history')",
    ]
    assert [op.call for op in script.downgrade_ops.ops] == [
        "rls.grant('room_pricing_history', 'UPDATE', 'DELETE')",
        "rls.drop_policy('hostel_media', 'public_catalogue')",
    ]


def test_a_new_table_gets_its_policies_from_its_model():
    """A table the revision creates (not yet in the database) gets every policy its model calls for."""
    want = {name: policies.expected()[name] for name in ("booking_guests", "hostel_media", "fee_payments", "users")}
    ups = [up for up, _ in policies.operations(want, {})]
    assert ups == [
        "rls.enable_tenant_rls('booking_guests', 'hostel_id')",
        "rls.enable_owner_read_via('booking_guests', 'booking_id', 'bookings', 'booker_user_id')",
        "rls.enable_tenant_rls('hostel_media', 'hostel_id')",
        "rls.enable_public_catalogue('hostel_media')",
        "rls.enable_tenant_rls('fee_payments', 'school_id')",
        "rls.append_only('fee_payments')",
    ]
    assert all(down is None for _, down in policies.operations(want, {}))  # the table goes with the downgrade
