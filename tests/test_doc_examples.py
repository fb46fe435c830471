"""Every GraphQL example of the docs is a named document that runs as written (issue 12 item 6).

The test reads every ```graphql block of README.md and docs/**/*.md (a new block or a new page
is picked up without touching this file) and checks that each operation is named, that the
names are unique across all the docs (graphql-codegen refuses anonymous or repeated operation
names in one document set), that it validates against the live schema (introspected over
HTTP), and that it runs through HTTP as the role its marker says: no `errors`, no user errors
in payloads, and data where the example promises it.

The marker is an HTML comment on the line right above the block (invisible on a rendered page):

    <!-- example: role=admin@greenwood.demo variables={"id": "$school"} empty=bookings -->

- `role`: a demo user's email (password `demo.DEMO_PASSWORD`); `anonymous` (no token); or
  `new-school-admin`: the school admin of a school the test makes for that run (a current
  session, one class "Class 1" A, no students), for examples that write, so that they never
  change the demo data other tests read.
- `variables`: JSON. A string value starting with `$` is looked up for the role:
  `$school` its active tenant (`me.activeTenant.id`), `$class` its first class with students
  (`myClasses`, else its first class), `$hostel` the public demo hostel Sunrise, `$today` today
  at the demo tenants (`$today+N`: N days later), `$refreshToken` a refresh token of a fresh
  login of the role. `$unique` inside any string becomes a new unique text (admission numbers).
  `$student` a student admitted for the run (`studentAdmit` into `$class`: new-school-admin only).
- `empty` (optional): root fields that may answer null or an empty list. Every other root
  field must answer something: a list, a connection's `nodes`/`edges`, or an object.
- `upload` (optional): the variable that receives a small PDF, sent as a GraphQL multipart
  request. A curl example's `operations='{"query": ...}'` must send a documented operation as is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLSyntaxError,
    OperationDefinitionNode,
    build_client_schema,
    get_introspection_query,
    parse,
    print_ast,
    validate,
)

import demo
from kit.ids import encode_gid
from tests.conftest import GQL, ROOT, school_today, unique
from tests.uploads import PREFLIGHT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
FENCE = re.compile(r"^```graphql[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
MARKER = re.compile(r"<!--\s*example:(.*?)-->", re.S)
OPTION = re.compile(r"(\w+)=(\{.*\}|\S+)")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class Example:
    path: Path
    line: int
    source: str
    marker: dict[str, Any] | None
    operations: list[OperationDefinitionNode] = field(default_factory=list)
    syntax_error: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def parse_marker(text: str) -> dict[str, Any]:
    options = {k: v for k, v in OPTION.findall(text)}
    marker: dict[str, Any] = {"role": options.get("role")}
    marker["variables"] = json.loads(options.get("variables", "{}"))
    marker["empty"] = set(filter(None, options.get("empty", "").split(",")))
    marker["upload"] = options.get("upload")
    return marker


def examples_in(path: Path) -> Iterator[Example]:
    text = path.read_text()
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.search(before)
        example = Example(path, line, match.group(1), parse_marker(marker.group(1)) if marker else None)
        try:
            document = parse(example.source)
        except GraphQLSyntaxError as exc:  # reported by the naming test, not as a collection error
            example.syntax_error = exc.message
        else:
            example.operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        yield example


EXAMPLES = [e for path in DOCS for e in examples_in(path)]


def test_the_collector_reads_blocks_markers_and_lookups(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n\n"
        '<!-- example: role=anonymous variables={"hostel": "$hostel", "n": 2} empty=a,b -->\n'
        "```graphql\nquery A { __typename }\n```\n\n"
        "```graphql\nquery B { __typename }\n```\n"
    )
    found = list(examples_in(page))
    assert [(e.line, [o.name.value for o in e.operations]) for e in found] == [(4, ["A"]), (8, ["B"])]
    assert found[0].marker == {
        "role": "anonymous",
        "variables": {"hostel": "$hostel", "n": 2},
        "empty": {"a", "b"},
        "upload": None,
    }
    assert found[1].marker is None


def test_the_docs_have_examples_in_readme_and_examples_page() -> None:
    pages = {e.path.name for e in EXAMPLES}
    assert {"README.md", "examples.md"} <= pages, pages


def test_every_example_is_named_uniquely_and_says_its_role() -> None:
    """Unique across the docs and the documents graphql.config.yml gives tools (tests/**/*.graphql),
    so that codegen can take both sets at once."""
    problems, seen = [], dict[str, str]()
    for path in sorted((ROOT / "tests").glob("**/*.graphql")):
        for op in parse(path.read_text()).definitions:
            if isinstance(op, OperationDefinitionNode) and op.name is not None:
                seen[op.name.value] = str(path.relative_to(ROOT))
    for e in EXAMPLES:
        if not e.operations:
            problems.append(f"{e.where}: no operation {e.syntax_error or ''}")
        if e.marker is None or not e.marker["role"]:
            problems.append(f"{e.where}: no `<!-- example: role=... -->` marker right above the block")
        for op in e.operations:
            if op.name is None:
                problems.append(f"{e.where}: an anonymous {op.operation.value}")
                continue
            name = op.name.value
            if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
                problems.append(f"{e.where}: {name} is not PascalCase")
            if name in seen:
                problems.append(f"{e.where}: {name} is also the name of the operation at {seen[name]}")
            seen.setdefault(name, e.where)
    assert problems == []


def test_every_curl_example_sends_a_documented_operation_as_written() -> None:
    """The multipart curl examples carry a query in `operations`: the same document as a
    ```graphql block (so the test that runs the block covers the curl line too)."""
    documented = {print_ast(op) for e in EXAMPLES for op in e.operations}
    sent = [
        (path.name, json.loads(m.group(1))["query"])
        for path in DOCS
        for m in re.finditer(r"operations='(\{.*?\})'", path.read_text())
    ]
    assert sent, "no curl example found: the pattern above no longer matches the docs"
    for page, query in sent:
        ops = [d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
        assert ops and all(print_ast(op) in documented for op in ops), (page, query)


async def test_every_example_validates_against_the_live_schema(gql: GQL) -> None:
    introspection = (await gql(get_introspection_query(descriptions=False)))["data"]
    schema = build_client_schema(introspection)
    problems = [
        f"{e.where}: {err.message}" for e in EXAMPLES if e.operations for err in validate(schema, parse(e.source))
    ]
    assert problems == []


# ---- running each example as its role --------------------------------------------------------


@pytest.fixture
async def own_client(app: Any) -> Any:
    """A client from an address of its own, so that login throttling stays within the test."""
    address = (f"10.12.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 5000)
    transport = httpx.ASGITransport(app=app, client=address)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def _login(client: httpx.AsyncClient, email: str, password: str = demo.DEMO_PASSWORD) -> dict[str, Any]:
    query = """mutation TestLogin($e: String!, $p: String!) { tokenCreate(input: {email: $e, password: $p}) {
      accessToken refreshToken errors { code message } } }"""
    tokens = (await _post(client, query, {"e": email, "p": password}, None))["tokenCreate"]
    assert tokens["errors"] == [], (email, tokens)
    return tokens


async def _new_school_admin(client: httpx.AsyncClient, db: Any) -> str:
    """A school of this test (current session, one class) and its school admin; their email."""
    code = unique("DOC")
    today = school_today()
    start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    async with db.acquire() as conn, conn.transaction():
        school = await conn.fetchval(
            "INSERT INTO schools (name, school_code) VALUES ($1, $2) RETURNING id", f"{code} School", code
        )
        session = await conn.fetchval(
            "INSERT INTO academic_sessions (name, school_id, active, start_date, end_date) "
            "VALUES ($1, $2, true, $3, $4) RETURNING id",
            f"{start.year}-{str(start.year + 1)[2:]}",
            school,
            start,
            dt.date(start.year + 1, 3, 31),
        )
        await conn.execute("UPDATE schools SET current_session_id = $1 WHERE id = $2", session, school)
        await conn.execute(
            "INSERT INTO school_classes (school_id, name, section, session_id) VALUES ($1, 'Class 1', 'A', $2)",
            school,
            session,
        )
    email = f"{code.lower()}@test.campus"
    root = (await _login(client, "superadmin@demo.campus"))["accessToken"]
    made = await _post(
        client,
        """mutation TestUser($i: UserCreateInput!) { userCreate(input: $i) { user { id } errors { message } } }""",
        {"i": {"email": email, "role": "SCHOOL_ADMIN", "fullName": "Doc Admin", "password": demo.DEMO_PASSWORD}},
        root,
    )
    assert made["userCreate"]["errors"] == [], made
    given = await _post(
        client,
        """mutation TestRole($i: RoleAssignInput!) { roleAssign(input: $i) { errors { message } } }""",
        {
            "i": {
                "userId": made["userCreate"]["user"]["id"],
                "role": "SCHOOL_ADMIN",
                "tenantId": encode_gid("School", school),
            }
        },
        root,
    )
    assert given["roleAssign"]["errors"] == [], given
    return email


async def _lookup(name: str, client: httpx.AsyncClient, email: str | None, token: str | None) -> Any:
    if name == "$today" or name.startswith("$today+"):
        return (school_today() + dt.timedelta(days=int(name.partition("+")[2] or 0))).isoformat()
    if name == "$school":
        me = (await _post(client, "query TestTenant { me { activeTenant { ... on School { id } } } }", {}, token))["me"]
        return me["activeTenant"]["id"]
    if name == "$class":
        states = (await _post(client, "query TestClasses { myClasses { enrolled schoolClass { id } } }", {}, token))[
            "myClasses"
        ]
        states.sort(key=lambda s: s["enrolled"] == 0)  # classes with students first
        return states[0]["schoolClass"]["id"]
    if name == "$student":
        query = """mutation TestAdmit($i: StudentAdmitInput!) { studentAdmit(input: $i) {
          student { id } errors { message } } }"""
        admission = {"student": {"admissionNumber": unique("DOC"), "firstName": "Doc", "gender": "FEMALE"}}
        admission["classId"] = await _lookup("$class", client, email, token)
        admission["guardians"] = [{"name": "Doc Guardian", "contactNumber": "+91 90000 00002", "primary": True}]
        admitted = (await _post(client, query, {"i": admission}, token))["studentAdmit"]
        assert admitted["errors"] == [], admitted
        return admitted["student"]["id"]
    if name == "$hostel":
        query = 'query TestHostel { hostels(filter: {slug: {eq: "demo-sunrise"}}) { nodes { id } } }'
        return (await _post(client, query, {}, None))["hostels"]["nodes"][0]["id"]
    if name == "$refreshToken":
        assert email is not None, "$refreshToken needs a role that logs in"
        return (await _login(client, email))["refreshToken"]
    raise AssertionError(f"unknown lookup {name}: see the docstring of tests/test_doc_examples.py")


async def _resolve(value: Any, client: httpx.AsyncClient, email: str | None, token: str | None) -> Any:
    if isinstance(value, dict):
        return {k: await _resolve(v, client, email, token) for k, v in value.items()}
    if isinstance(value, list):
        return [await _resolve(v, client, email, token) for v in value]
    if isinstance(value, str) and "$unique" in value:
        return value.replace("$unique", uuid.uuid4().hex[:10].upper())
    if isinstance(value, str) and value.startswith("$"):
        return await _lookup(value, client, email, token)
    return value


def _user_errors(value: Any, path: str = "") -> list[str]:
    """Payload `errors` lists that are not empty, anywhere in the answer."""
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _user_errors(v, f"{path}[{i}]")]
    if not isinstance(value, dict):
        return []
    found = [f"{path}.errors: {value['errors']}" for k in ("errors",) if value.get(k)]
    return found + [p for k, v in value.items() if k != "errors" for p in _user_errors(v, f"{path}.{k}")]


def _empty(value: Any) -> bool:
    if value is None or value == []:
        return True
    if isinstance(value, dict):
        for key in ("nodes", "edges"):
            if key in value:
                return value[key] == []
    return False


@pytest.mark.parametrize(
    "example",
    EXAMPLES,
    ids=[
        f"{e.path.name}:{e.operations[0].name.value if e.operations and e.operations[0].name else e.line}"
        for e in EXAMPLES
    ],
)
async def test_the_example_runs_as_its_role(example: Example, own_client: httpx.AsyncClient, db: Any) -> None:
    assert example.marker is not None and example.operations, f"{example.where}: no marker or no operation"
    role = example.marker["role"]
    email = None if role == "anonymous" else role
    if role == "new-school-admin":
        email = await _new_school_admin(own_client, db)
    token = (await _login(own_client, email))["accessToken"] if email else None
    variables = await _resolve(example.marker["variables"], own_client, email, token)
    upload = example.marker["upload"]
    for op in example.operations:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"query": example.source, "variables": variables, "operationName": op.name.value if op.name else None}
        if upload:  # the GraphQL multipart request spec: operations, map, then the file parts
            body["variables"] = {**variables, upload: None}
            form = {"operations": json.dumps(body), "map": json.dumps({"0": [f"variables.{upload}"]})}
            response = await own_client.post(
                "/graphql",
                data=form,
                files={"0": ("certificate.pdf", PDF, "application/pdf")},
                headers={**headers, **PREFLIGHT},
            )
        else:
            response = await own_client.post("/graphql", json=body, headers=headers)
        answer = response.json()
        assert response.status_code == 200 and "errors" not in answer, (example.where, answer)
        data = answer["data"]
        assert _user_errors(data) == [], (example.where, data)
        empty = [k for k, v in data.items() if _empty(v) and k not in example.marker["empty"]]
        assert empty == [], f"{example.where}: {empty} answered nothing: {data}"
