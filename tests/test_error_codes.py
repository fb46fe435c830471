"""Every error a client receives carries `extensions.code`: Apollo Client, graphql-request and
the apps branch on codes, never on messages. graphql-core reports parse, validation and
variable errors without one; the gateway names them GRAPHQL_PARSE_FAILED,
GRAPHQL_VALIDATION_FAILED and BAD_USER_INPUT. Walked over every root field, query and
mutation, so a field added with a hand-written input of its own is covered too."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLInputObjectType, GraphQLNonNull, get_named_type, is_leaf_type

from schema.root import build_schema
from tests.conftest import as_user

SCHEMA = build_schema()._schema


def _codes(body: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def _wrong_value(arg_type: Any) -> Any:
    """A JSON value no input of this type accepts: an object for a leaf, a number for an input object."""
    return 12345 if isinstance(get_named_type(arg_type), GraphQLInputObjectType) else {"not": "a leaf"}


def _root_fields() -> list[tuple[str, str, dict[str, Any]]]:
    """Every root field with arguments, and the arguments the document passes as variables:
    the required ones (all must be given for the document to validate) or else the first."""
    out = []
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        for name, field in root.fields.items():
            if not field.args:
                continue
            required = {a: arg.type for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
            first = next(iter(field.args))
            out.append((kind, name, required or {first: field.args[first].type}))
    return out


async def test_a_document_that_does_not_parse_or_validate_says_so_by_code(client):
    admin = await as_user(client, "superadmin@demo.campus")
    cases = {
        "{ schools { ": "GRAPHQL_PARSE_FAILED",
        'query { "x" }': "GRAPHQL_PARSE_FAILED",
        "{ noSuchField }": "GRAPHQL_VALIDATION_FAILED",
        "{ schools { nodes { noSuchField } } }": "GRAPHQL_VALIDATION_FAILED",
        "query($x: Int) { schools { totalCount } }": "GRAPHQL_VALIDATION_FAILED",  # unused variable
        "query A { me { rolesInForce } } query A { me { rolesInForce } }": "GRAPHQL_VALIDATION_FAILED",
    }
    for document, code in cases.items():
        for accept in ("application/json", "application/graphql-response+json"):
            r = await client.post("/graphql", json={"query": document}, headers={**admin.headers, "Accept": accept})
            codes = _codes(r.json())
            assert codes and set(codes) == {code}, (document, accept, r.status_code, r.json())


async def test_every_root_field_given_a_variable_of_the_wrong_shape_answers_bad_user_input(client):
    """One wrong variable per root field (its first argument): the operation does not run, and
    the error says BAD_USER_INPUT, as a validation error inside a resolver does."""
    admin = await as_user(client, "superadmin@demo.campus")
    fields = _root_fields()
    assert len(fields) > 100
    missing = []
    for start in range(0, len(fields), 10):  # batches of ten operations per request
        chunk = fields[start : start + 10]
        batch = []
        for kind, name, args in chunk:
            target = (SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type).fields[name]
            selection = "" if is_leaf_type(get_named_type(target.type)) else " { __typename }"
            declared = ", ".join(f"${a}: {t}" for a, t in args.items())
            passed = ", ".join(f"{a}: ${a}" for a in args)
            batch.append(
                {
                    "query": f"{kind}({declared}) {{ {name}({passed}){selection} }}",
                    "variables": {a: _wrong_value(t) for a, t in args.items()},
                }
            )
        r = await client.post("/graphql", json=batch, headers=admin.headers)
        assert r.status_code == 200, r.text
        for (kind, name, args), body in zip(chunk, r.json(), strict=True):
            codes = _codes(body)
            if not codes or set(codes) != {"BAD_USER_INPUT"} or body.get("data") is not None:
                missing.append((kind, name, list(args), body))
    assert missing == [], missing[:5]


async def test_a_missing_required_variable_and_an_unknown_operation_name_are_coded(client):
    admin = await as_user(client, "superadmin@demo.campus")
    required = [
        (name, arg_name, arg.type)
        for name, field in SCHEMA.query_type.fields.items()
        for arg_name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull)
    ]
    assert required
    name, arg_name, arg_type = required[0]
    result_type = get_named_type(SCHEMA.query_type.fields[name].type)
    selection = "" if is_leaf_type(result_type) else " { __typename }"
    r = await admin.raw(f"query($v: {arg_type}) {{ {name}({arg_name}: $v){selection} }}", {})
    assert _codes(r.json()) == ["BAD_USER_INPUT"], r.json()
    assert r.json().get("data") is None
