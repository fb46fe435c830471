"""What the GraphiQL page needs from the server (issue 12 item 7), through HTTP.

The page's behaviour in a browser (login bar, pickers, refresh, log out, offline) is checked in
headless Chromium by bench/graphiql_check.py; here: the page and its assets are served from this
server under a policy that allows nothing else, the demo logins are offered in development only,
and the login bar's own documents (read from its script) do what the bar relies on.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
import httpx

import demo
from gateway.app import create_app
from tests.conftest import make_settings, unique

ROOT = Path(__file__).resolve().parent.parent
BAR_SCRIPT = ROOT / "gateway" / "static" / "graphiql-login.js"
HTML = {"accept": "text/html,application/xhtml+xml"}


class _Assets(HTMLParser):
    """The page's scripts (src, or inline text), stylesheets and demo-login options."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.inline: list[str] = []
        self.styles: list[str] = []
        self.demo_logins: list[str] = []
        self.demo_password: str | None = None
        self._in_script = self._in_demo = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a.get("src"))
            self._in_script = True
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a["href"] or "")
        elif tag == "select" and a.get("id") == "demo-logins":
            self._in_demo, self.demo_password = True, a.get("data-password")
        elif tag == "option" and self._in_demo and a.get("value"):
            self.demo_logins.append(a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        elif tag == "select":
            self._in_demo = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)


def _parse(page: str) -> _Assets:
    parser = _Assets()
    parser.feed(page)
    return parser


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = (d.strip().split(None, 1) for d in response.headers["content-security-policy"].split(";"))
    return {d[0]: (d[1] if len(d) > 1 else "") for d in directives if d and d[0]}


async def test_the_page_loads_only_this_servers_files_under_a_policy_that_allows_nothing_else(client):
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = _policy(page)
    # scripts from this server only, no inline script; queries to this server only; no frames
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert not any("http" in value or "*" in value for value in policy.values()), policy
    assert page.headers["x-content-type-options"] == "nosniff"

    assets = _parse(page.text)
    assert assets.inline == [], "an inline script would be refused by the policy"
    assert "/static/graphiql-login.js" in assets.scripts and "/static/graphiql-login.css" in assets.styles
    assert len(assets.scripts) == 4 and len(assets.styles) == 2
    kinds = {"js": "javascript", "css": "text/css"}
    for url in [*assets.scripts, *assets.styles]:
        assert url and url.startswith("/static/"), url  # same origin: what script-src 'self' allows
        served = await client.get(url)
        assert served.status_code == 200, url
        assert kinds[url.rsplit(".", 1)[1]] in served.headers["content-type"], (url, served.headers)


async def test_the_demo_logins_are_offered_in_development(client):
    assets = _parse((await client.get("/graphql", headers=HTML)).text)
    assert assets.demo_logins == [email for email, *_ in demo.USERS]
    assert assets.demo_password == demo.DEMO_PASSWORD


async def test_no_demo_logins_when_graphiql_is_switched_on_in_production(app_url):
    from tests.test_http_edge import _keys

    app = create_app(make_settings(env="production", jwt_private_keys=_keys(), graphiql=True), database_url=app_url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        page = await c.get("/graphql", headers=HTML)
        assert page.status_code == 200 and "login-form" in page.text
        assets = _parse(page.text)
        assert assets.demo_logins == [] and assets.demo_password is None
        assert demo.DEMO_PASSWORD not in page.text


# ---- the login bar's documents, as the page sends them -------------------------------------


def _bar_documents() -> dict[str, str]:
    found = dict(re.findall(r"^\s*(\w+): '((?:query|mutation) GraphiQL[^']*)',?$", BAR_SCRIPT.read_text(), re.M))
    assert set(found) == {"login", "refresh", "logout", "me", "tenants"}, sorted(found)
    return found


async def _post(client: httpx.AsyncClient, doc: str, variables: dict | None = None, **headers: str) -> dict:
    # as the bar does: JSON, Accept application/json
    r = await client.post(
        "/graphql", json={"query": doc, "variables": variables or {}}, headers={"Accept": "application/json", **headers}
    )
    body = r.json()
    assert r.status_code == 200 and "errors" not in body, body
    return body["data"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_bar_logs_in_refreshes_and_logs_out_with_its_own_documents(client):
    docs = _bar_documents()
    email = "admin@greenwood.demo"
    wrong = (await _post(client, docs["login"], {"input": {"email": email, "password": unique("wrong")}}))[
        "tokenCreate"
    ]
    assert wrong["accessToken"] is None and len(wrong["errors"]) == 1 and wrong["errors"][0]["message"]

    tokens = (await _post(client, docs["login"], {"input": {"email": email, "password": demo.DEMO_PASSWORD}}))[
        "tokenCreate"
    ]
    assert tokens["errors"] == [] and tokens["accessToken"] and tokens["expiresAt"]
    me = (await _post(client, docs["me"], **_bearer(tokens["accessToken"])))["me"]
    name = next(n for e, n, *_ in demo.USERS if e == email)
    assert me["user"] == {"email": email, "fullName": name}
    assert me["rolesInForce"] == ["SCHOOL_ADMIN"]
    school = me["activeTenant"]
    assert school["__typename"] == "School" and school["name"].startswith("Greenwood")
    assert [t["id"] for t in me["switchableTenants"]] == [school["id"]]
    sessions = [e["node"] for e in school["academicSessions"]["edges"]]
    assert me["academicSession"]["id"] in [s["id"] for s in sessions] and len(sessions) >= 2

    # what the session picker sends
    other = next(s for s in sessions if s["id"] != me["academicSession"]["id"])
    picked = (await _post(client, docs["me"], **_bearer(tokens["accessToken"]), **{"X-Session-Id": other["id"]}))["me"]
    assert picked["academicSession"] == {"id": other["id"], "name": other["name"]}

    # the refresh timer: new tokens that work
    fresh = (await _post(client, docs["refresh"], {"input": {"refreshToken": tokens["refreshToken"]}}))["tokenRefresh"]
    assert fresh["errors"] == [] and fresh["accessToken"] not in (None, tokens["accessToken"])
    assert (await _post(client, docs["me"], **_bearer(fresh["accessToken"])))["me"]["user"]["email"] == email

    # log out: the access token is refused afterwards, and the refresh token cannot revive the login
    done = (await _post(client, docs["logout"], **_bearer(fresh["accessToken"])))["tokenRevoke"]
    assert done == {"done": True, "errors": []}
    after = await client.post(
        "/graphql", json={"query": docs["me"]}, headers={"Accept": "application/json", **_bearer(fresh["accessToken"])}
    )
    assert after.json()["errors"] and not (after.json().get("data") or {}).get("me")
    revived = (await _post(client, docs["refresh"], {"input": {"refreshToken": fresh["refreshToken"]}}))["tokenRefresh"]
    assert revived["accessToken"] is None and revived["errors"]


@pytest.mark.parametrize("email", ["multi@demo.campus", "warden@sunrise.demo"])  # two schools; two hostels
async def test_the_tenant_picker_of_a_user_with_two_tenants_switches_roles(client, email):
    docs = _bar_documents()
    tokens = (await _post(client, docs["login"], {"input": {"email": email, "password": demo.DEMO_PASSWORD}}))[
        "tokenCreate"
    ]
    me = (await _post(client, docs["me"], **_bearer(tokens["accessToken"])))["me"]
    held = {m["tenant"]["id"]: m["role"] for m in me["memberships"]}
    assert len(held) == 2 and {t["id"] for t in me["switchableTenants"]} == set(held)
    for tenant_id, role in held.items():
        switched = (await _post(client, docs["me"], **_bearer(tokens["accessToken"]), **{"X-Tenant-Id": tenant_id}))[
            "me"
        ]
        assert switched["activeTenant"]["id"] == tenant_id and switched["rolesInForce"] == [role]
        # the session picker is for schools: a hostel lists no academic session
        assert ("academicSessions" in switched["activeTenant"]) == (switched["activeTenant"]["__typename"] == "School")


@pytest.mark.parametrize("email", ["superadmin@demo.campus", "platform@demo.campus"])
async def test_platform_roles_get_every_school_and_hostel_to_pick_from(client, email):
    docs = _bar_documents()
    tokens = (await _post(client, docs["login"], {"input": {"email": email, "password": demo.DEMO_PASSWORD}}))[
        "tokenCreate"
    ]
    me = (await _post(client, docs["me"], **_bearer(tokens["accessToken"])))["me"]
    assert any(m["tenant"] is None for m in me["memberships"])  # what makes the bar ask for every tenant
    every = await _post(client, docs["tenants"], **_bearer(tokens["accessToken"]))
    listed = [e["node"] for e in every["schools"]["edges"]] + [e["node"] for e in every["hostels"]["edges"]]
    assert every["schools"]["edges"] and every["hostels"]["edges"]
    # the last school and the last hostel of the lists: X-Tenant-Id takes any of them
    for tenant in (every["schools"]["edges"][-1]["node"], every["hostels"]["edges"][-1]["node"]):
        headers = {**_bearer(tokens["accessToken"]), "X-Tenant-Id": tenant["id"]}
        switched = (await _post(client, docs["me"], **headers))["me"]
        assert switched["activeTenant"]["id"] == tenant["id"] and switched["activeTenant"]["name"] == tenant["name"]
    assert len({t["id"] for t in listed}) == len(listed)
