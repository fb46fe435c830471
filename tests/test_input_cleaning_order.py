"""Authorization before input cleaning: a caller a mutation's rule refuses learns
UNAUTHENTICATED (anonymous) or FORBIDDEN (wrong role), never which of its inputs would be
INVALID. Walks every mutation of the schema with a NUL byte in one of its text fields."""

from __future__ import annotations

import orjson

from auth.permissions import DECLARED
from tests.conftest import as_user
from tests.uploads import PREFLIGHT
from tests.test_input_cleaning import SCHEMA, _mutation_cases, _type_text, _upload_paths, _writes


def _nul_probes() -> list[tuple[str, dict]]:
    out = []
    for name, probes in _mutation_cases():
        for kind, _path, args, _words, _arg in probes:
            if kind == "nul":
                out.append((name, args))
                break
    return out


async def _send(client, headers, name, args):
    field = SCHEMA.mutation_type.fields[name]
    var_defs = [f"${a}: {_type_text(field.args[a].type)}" for a in args]
    doc = f"mutation({', '.join(var_defs)}) {{ m: {name}({', '.join(f'{a}: ${a}' for a in args)}) {{ errors {{ field code }} }} }}"
    uploads = [
        f"variables.{a}.{'.'.join(p)}" for a, v in args.items() for p in _upload_paths(field.args[a].type, v, [])
    ]
    if uploads:
        return await client.post(
            "/graphql",
            headers={**headers, **PREFLIGHT},
            data={
                "operations": orjson.dumps({"query": doc, "variables": args}).decode(),
                "map": orjson.dumps({f"f{k}": [p] for k, p in enumerate(uploads)}).decode(),
            },
            files={f"f{k}": ("a.pdf", b"%PDF-1.4 test", "application/pdf") for k in range(len(uploads))},
        )
    return await client.post("/graphql", headers=headers, json={"query": doc, "variables": args})


async def test_refused_callers_get_the_permission_error_before_any_input_error(client, db):
    teacher = await as_user(client, "teacher@greenwood.demo")
    probes = _nul_probes()
    assert len(probes) >= 60, len(probes)
    before = await _writes(db)
    checked = {"UNAUTHENTICATED": 0, "FORBIDDEN": 0}
    for name, args in probes:
        rule = DECLARED[f"Mutation.{name}"]
        callers = []
        if not rule.public:
            callers.append(({}, "UNAUTHENTICATED"))
            if not rule.any_authenticated and "TEACHER" not in rule.roles:
                callers.append((teacher.headers, "FORBIDDEN"))
        for headers, code in callers:
            response = await _send(client, headers, name, args)
            assert response.status_code == 200, (name, response.text[:300])
            body = response.json()
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
            assert codes == [code], (name, code, body)
            assert body["data"] is None or body["data"]["m"] is None, (name, body)
            checked[code] += 1
    assert checked["UNAUTHENTICATED"] >= 60 and checked["FORBIDDEN"] >= 30, checked
    assert await _writes(db) == before
