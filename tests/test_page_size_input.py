"""A negative (or too large) page size is a clean BAD_USER_INPUT naming the argument, on every
connection of the schema (root lists and their to-many relations), never an internal error."""

from __future__ import annotations

from graphql import get_named_type


def _connections(type_: object) -> list[tuple[str, object]]:
    out = []
    for name, field in getattr(type_, "fields", {}).items():
        named = get_named_type(field.type)
        if named.name.endswith("Connection") and "first" in field.args:
            out.append((name, named))
    return out


async def test_every_connection_refuses_a_negative_page_size_by_name(app, gql):
    schema = app.state.schema._schema
    checked = 0
    for root_name, conn in _connections(schema.query_type):
        node_type = get_named_type(conn.fields["nodes"].type)
        nested = [(name, node_type.fields[name]) for name, _ in _connections(node_type)]
        root_args = schema.query_type.fields[root_name].args
        for arg in ("first", "last"):
            documents = [f"{{ {root_name}({arg}: -1) {{ totalCount }} }}"] if arg in root_args else []
            documents += [
                f"{{ {root_name}(first: 1) {{ nodes {{ {name}({arg}: -1) {{ totalCount }} }} }} }}"
                for name, field in nested
                if arg in node_type.fields[name].args
            ]
            for document in documents:
                body = await gql(document, expect_errors=True)
                errors = body.get("errors") or []
                codes = {e.get("extensions", {}).get("code") for e in errors}
                assert "INTERNAL_SERVER_ERROR" not in codes, (document, errors)
                refused = [
                    e for e in errors if e.get("extensions", {}).get("code") == "BAD_USER_INPUT" and arg in e["message"]
                ]
                if refused:
                    checked += 1
                else:
                    # allowed only when the caller may not read the list at all (nothing was planned)
                    assert codes <= {"FORBIDDEN", "UNAUTHENTICATED"} and codes, (document, errors)
    assert checked >= 50, checked
