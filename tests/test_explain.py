"""`campus explain <Entity>` prints what the declaration generated."""

from __future__ import annotations

from gateway import cli


def test_explain_names_the_type_lists_rules_mutations_and_policies(capsys):
    assert cli.main(["explain", "HostelMedia"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "declaration: Entity(...) in models/hostel/media.py",
        "GraphQL type HostelMedia: generated from the model",
        "  url: String!",
        "  category: MediaCategory",
        "reached from: MediaCategory.media",
        "root list Query.hostelMedia: HostelMediaConnection!",
        "  rule: anyone, without logging in",
        "  filter: id, hostelId, mediaType, categoryId, isCover, active",
        "  orderBy: SORT_ORDER, CREATED_AT",
        "node(id:): rule: anyone, without logging in",
        "mutation hostelMediaCreate: rule: roles: SUPER_ADMIN, PLATFORM_ADMIN, HOSTEL_ADMIN",
        "  input: HostelMediaCreateInput! { categoryId: ID, mediaType: MediaType, url: String!",
        "mutation hostelMediaDeactivate:",
        "row-level security: enabled and forced (tenant key hostel_id)",
        "policy tenant_isolation FOR ALL",
        "policy public_catalogue FOR SELECT [CatalogueMixin]",
        "campus_app may: SELECT, INSERT, UPDATE, DELETE",
    ):
        assert expected in out, f"{expected!r} missing from:\n{out}"


def test_explain_names_protected_fields_row_filters_and_append_only(capsys):
    assert cli.main(["explain", "Student"]) == 0
    assert "aadharNumber: String  -- protected: school admins and platform roles" in capsys.readouterr().out
    assert cli.main(["explain", "booking_guests"]) == 0
    out = capsys.readouterr().out
    assert (
        "own_booking_rows(column='booking_id')" in out and "policy owner_read FOR SELECT [owner via booking_id]" in out
    )
    assert cli.main(["explain", "FeePayment"]) == 0
    assert "campus_app may: SELECT, INSERT (append-only)" in capsys.readouterr().out


def test_explain_refuses_an_unknown_entity(capsys):
    assert cli.main(["explain", "NoSuchThing"]) == 2
    assert "no model named 'NoSuchThing'" in capsys.readouterr().err
