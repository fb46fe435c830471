"""The root composition: one line per domain. Adding a domain touches only this file."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema import (admin, attendance, audit, auth, booking, classes, exams, expenses, fees, hostel, hostel_student, payments, room,
                    school, students, transport, user)
from schema import hostel_reads
from kit.declared import surface
from kit.fields import NodeQuery
from kit.scalars import SCALAR_OVERRIDES

DOMAINS = (auth, school, user, classes, students, attendance, exams, transport, fees, payments, expenses, hostel, admin,
           room, hostel_student, booking, audit, hostel_reads)

DeclaredQuery, declared_mutations = surface()  # everything models/*/ declare in `__entity__`
Query = merge_types("Query", (NodeQuery, *(d.Query for d in DOMAINS), *((DeclaredQuery,) if DeclaredQuery else ())))
Mutation = merge_types("Mutation", (*(m for d in DOMAINS for m in d.mutations), *declared_mutations))


def build_schema() -> strawberry.Schema:
    from kit.fast_resolvers import install
    from kit import inputs

    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(disable_field_suggestions=True),
    )
    install(schema)
    inputs.install(schema)  # every root field's arguments cleaned before its resolver runs
    return schema



def schema_sdl(schema: strawberry.Schema | None = None) -> str:
    """The committed `schema.graphql`."""
    return (schema or build_schema()).as_str() + "\n"
