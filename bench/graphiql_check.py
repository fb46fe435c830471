"""The GraphiQL page in headless Chromium, as a newcomer uses it (issue 12 item 7).

    apt-get install -y chromium chromium-driver      # Debian packages (bench/README.md)
    .venv/bin/pip install -r bench/requirements.txt  # selenium
    .venv/bin/python bench/graphiql_check.py [--screenshots DIR]

Starts `campus serve` on a free port with its own embedded PostgreSQL and the demo data (a
throwaway folder), access tokens living one minute so that a refresh happens during the check,
and Chromium with every host name but 127.0.0.1 unresolvable (offline). Then: a wrong password
and a locked account each give one clear line; a demo login shows the user's name, roles, tenant and session pickers;
`{ me { user { email } } }` run through GraphiQL answers for that user; another session is picked;
the docs explorer shows the server's descriptions; the page survives a reload; the token is
refreshed before expiry; a user with two tenants switches tenant; a subscription runs over the
WebSocket and shows an event the warden causes over HTTP; log out ends the session on the server. Every request the browser made went to the server, and the console has no error
(a Content-Security-Policy violation would be one). Screenshots: DIR (default
/tmp/graphiql-check/). Exit status 0 when every check passed.

Not a pytest test: CI's machine has no Chromium, and installing it there would cost more than
the suite's own run; the HTTP side of the page is tested in tests/test_graphiql_page.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import demo  # noqa: E402  (the demo logins and their names: what the page must show)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
STORE_KEY = "campus.graphiql.login"  # gateway/static/graphiql-login.js

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # pragma: no cover - told below
    webdriver = None


class CheckFailed(AssertionError):
    pass


def check(condition: Any, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATA_DIR=str(data_dir), LOG_LEVEL="WARNING", LOG_JSON="false", ACCESS_TOKEN_MINUTES="1")
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_ready(proc: subprocess.Popen, base: str) -> None:
    deadline = time.time() + 300  # a first start: initdb, migrations, the demo data
    while time.time() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"campus serve exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise CheckFailed("campus serve did not become ready in 300 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # serve stops its embedded PostgreSQL on SIGTERM
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def browser() -> Any:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in a container
        "--disable-dev-shm-usage",
        "--window-size=1400,900",
        # offline: any host but this machine fails to resolve (the performance log still shows
        # an attempt, which the check refuses)
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


class Page:
    def __init__(self, driver: Any, base: str, shots: Path) -> None:
        self.d, self.base, self.shots = driver, base, shots
        self.requests: list[dict[str, Any]] = []  # every request the browser sent (performance log)
        self.console: list[dict[str, Any]] = []
        self.sockets: list[str] = []  # WebSockets the page opened (subscriptions)
        self.n = 0

    def collect_logs(self) -> None:
        for entry in self.d.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"])
            elif message["method"] == "Network.webSocketCreated":
                self.sockets.append(message["params"]["url"])
        self.console.extend(self.d.get_log("browser"))

    def shot(self, name: str) -> None:
        self.n += 1
        path = self.shots / f"{self.n:02d}-{name}.png"
        self.d.save_screenshot(str(path))
        print(f"    screenshot {path}")

    def wait(self, condition: Any, what: str, timeout: float = 20) -> Any:
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.2).until(lambda d: condition())
        except Exception as exc:
            self.shot("failed")
            raise CheckFailed(f"timed out waiting for {what}: {exc.__class__.__name__}") from None

    def el(self, element_id: str) -> Any:
        return self.d.find_element(By.ID, element_id)

    def text(self, element_id: str) -> str:
        return self.el(element_id).text

    def message(self) -> tuple[str, str | None]:
        line = self.el("bar-message")
        return line.get_attribute("textContent"), line.get_attribute("data-kind")

    def stored(self) -> dict[str, Any] | None:
        raw = self.d.execute_script(f"return window.sessionStorage.getItem('{STORE_KEY}');")
        return json.loads(raw) if raw else None

    def login(self, email: str, password: str | None = None) -> None:
        """Fill the form from the demo list (or by hand with another password) and submit."""
        if password is None:
            Select(self.el("demo-logins")).select_by_value(email)
            check(self.el("login-email").get_attribute("value") == email, "the demo list fills the email")
            check(self.el("login-password").get_attribute("value"), "the demo list fills the password")
        else:
            for field, value in (("login-email", email), ("login-password", password)):
                self.el(field).clear()
                self.el(field).send_keys(value)
        self.el("login-submit").click()

    def logged_in_as(self, email: str) -> None:
        self.wait(
            lambda: self.el("who").get_attribute("data-email") == email and self.el("who").is_displayed(),
            f"the bar to show {email}",
        )

    def run_query(self, query: str) -> dict[str, Any]:
        """Type `query` into GraphiQL's editor, press run, read the result pane (a new, whole answer:
        the pane is cleared first, and an answer equal to the one before is not taken for it)."""
        pane = "var r = document.querySelector('.result-window .CodeMirror'); "
        before = self.d.execute_script(pane + "return r ? r.CodeMirror.getValue() : '';")
        self.d.execute_script(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(arguments[0]);", query
        )
        self.d.execute_script(pane + "if (r) r.CodeMirror.setValue('');")
        self.d.find_element(By.CSS_SELECTOR, "button.graphiql-execute-button").click()

        def answer() -> dict[str, Any] | None:
            text = self.d.execute_script(pane + "return r ? r.CodeMirror.getValue() : '';")
            if not text or text == before:
                return None
            try:
                return json.loads(text)
            except ValueError:
                return None

        return self.wait(answer, "GraphiQL's result pane")

    def set_headers(self, text: str) -> None:
        """Open GraphiQL's Headers tab and replace its content."""
        self.d.find_element(By.XPATH, "//button[normalize-space()='Headers']").click()
        editor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
        self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, editor), "the headers editor")
        self.d.execute_script(f"document.querySelector('{editor}').CodeMirror.setValue(arguments[0]);", text)

    def sent(self, needle: str) -> list[dict[str, Any]]:
        """Requests to /graphql whose body contains `needle`."""
        self.collect_logs()
        return [r for r in self.requests if r["url"].endswith("/graphql") and needle in (r.get("postData") or "")]


def dig(value: Any, *keys: str) -> Any:
    """value[k1][k2]..., or None where a step is missing (an error answer)."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def header(request: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in request.get("headers", {}).items() if k.lower() == name.lower()), None)


def introspected_description(base: str, type_name: str, field: str) -> str:
    q = '{ __type(name: "%s") { fields { name description } } }' % type_name
    fields = httpx.post(f"{base}/graphql", json={"query": q}).json()["data"]["__type"]["fields"]
    return next(f["description"] for f in fields if f["name"] == field)


def run_checks(page: Page, base: str) -> list[str]:
    done: list[str] = []
    d = page.d
    names = {email: name for email, name, _, _ in demo.USERS}
    admin, multi = "admin@greenwood.demo", "multi@demo.campus"

    d.get(f"{base}/graphql")
    page.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".graphiql-container .graphiql-query-editor"), "GraphiQL")
    page.wait(lambda: page.el("login-form").is_displayed(), "the login form")
    page.shot("logged-out")
    done.append("page and GraphiQL render from the server's own assets")

    page.login(admin, "not-the-password")
    page.wait(lambda: page.message()[1] == "error" and "Login failed" in page.message()[0], "the login error")
    text, _ = page.message()
    check("\n" not in text.strip() and len(text) < 200, f"one short line: {text!r}")
    check(page.stored() is None, "a failed login stores nothing")
    page.shot("wrong-password")
    done.append(f"wrong password: one line ({text!r}), nothing stored")

    # a locked account (too many failures, made here over HTTP): the lockout in one line too
    locked = "teacher@riverside.demo"
    login = "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { errors { code } } }"
    codes = [
        httpx.post(
            f"{base}/graphql", json={"query": login, "variables": {"i": {"email": locked, "password": "x"}}}
        ).json()["data"]["tokenCreate"]["errors"][0]["code"]
        for _ in range(6)
    ]
    check(codes[-1] == "LOCKED", f"the account is locked: {codes}")
    page.login(locked)
    page.wait(lambda: "Too many" in page.message()[0], "the lockout message")
    text, kind = page.message()
    check(kind == "error" and "\n" not in text.strip() and page.stored() is None, f"one line, nothing kept: {text!r}")
    page.shot("locked-out")
    done.append(f"locked account: one line ({text!r})")

    page.login(admin)
    page.logged_in_as(admin)
    check(page.text("who") == names[admin], f"the bar shows the user's name: {page.text('who')!r}")
    check("SCHOOL_ADMIN" in page.text("roles"), f"roles in force shown: {page.text('roles')!r}")
    tenants = [o.text for o in Select(page.el("tenant-picker")).options]
    check(any("Greenwood" in t for t in tenants), f"the tenant picker lists the user's school: {tenants}")
    check(not any("Riverside" in t for t in tenants), f"and no school the user holds no role in: {tenants}")
    sessions = Select(page.el("session-picker")).options
    check(len(sessions) >= 2, f"the session picker lists the school's sessions: {[o.text for o in sessions]}")
    stored = page.stored()
    check(stored and stored["accessToken"] and stored["refreshToken"], "the tokens are kept in sessionStorage")
    kept = d.execute_script("return Object.keys(localStorage).map(function (k) { return localStorage[k]; });")
    check(not any(stored["accessToken"] in v or stored["refreshToken"] in v for v in kept), "no token in localStorage")
    page.shot("logged-in")
    done.append(
        f"login: name {page.text('who')!r}, roles {page.text('roles')!r}, tenants {tenants}, "
        f"{len(sessions) - 1} sessions"
    )

    result = page.run_query("query WhoAmI { me { user { email } } }")
    check(dig(result, "data", "me", "user", "email") == admin, f"result pane: {result}")
    [request] = page.sent("WhoAmI")[-1:]
    check((header(request, "Authorization") or "").startswith("Bearer "), "GraphiQL's request carried the token")
    page.shot("me-query")
    done.append("`{ me { user { email } } }` through GraphiQL answers for the logged-in user")

    # another academic session: X-Session-Id on GraphiQL's requests, me.academicSession follows
    picker = Select(page.el("session-picker"))
    other = next(o for o in picker.options[1:] if not o.is_selected())
    other_id, other_name = other.get_attribute("value"), other.text.replace(" (inactive)", "")
    picker.select_by_value(other_id)
    page.wait(lambda: (page.stored() or {}).get("sessionId") == other_id, "the session to be kept")
    result = page.run_query("query MySession { me { academicSession { id name } } }")
    check(dig(result, "data", "me", "academicSession", "id") == other_id, f"X-Session-Id applied: {result}")
    check(header(page.sent("MySession")[-1], "X-Session-Id") == other_id, "the request carried X-Session-Id")
    done.append(f"session picker: {other_name!r} sent as X-Session-Id and in force")

    # the docs explorer: the server's descriptions
    expected = introspected_description(base, "Query", "me")
    d.find_element(By.CSS_SELECTOR, '.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click()
    page.wait(
        lambda: d.find_elements(By.CSS_SELECTOR, ".graphiql-doc-explorer a.graphiql-doc-explorer-type-name"),
        "the docs explorer",
    )
    d.find_element(By.XPATH, "//div[contains(@class,'graphiql-doc-explorer')]//a[text()='Query']").click()
    page.wait(
        lambda: expected in d.find_element(By.CSS_SELECTOR, ".graphiql-doc-explorer").text,
        f"the description of Query.me ({expected!r}) in the docs explorer",
    )
    page.shot("docs-explorer")
    done.append(f"docs explorer shows descriptions (Query.me: {expected!r})")

    # a reload keeps the login (sessionStorage), and the picked session
    d.refresh()
    page.logged_in_as(admin)
    check(
        Select(page.el("session-picker")).first_selected_option.get_attribute("value") == other_id,
        "the picked session survives a reload",
    )
    done.append("a reload keeps the login and the picked session")

    # refresh before expiry (tokens live one minute here: refreshed about 12 s before)
    before = page.stored()
    page.wait(lambda: page.el("login-bar").get_attribute("data-refreshed"), "the token refresh", timeout=75)
    after = page.stored()
    check(
        after["accessToken"] != before["accessToken"] and after["refreshToken"] != before["refreshToken"],
        "new tokens kept",
    )
    refreshed_at = int(page.el("login-bar").get_attribute("data-refreshed"))
    check(refreshed_at < before["expiresAt"], "refreshed before the old token expired")
    check(page.sent("tokenRefresh"), "a tokenRefresh request was sent")
    result = page.run_query("query AfterRefresh { me { user { email } } }")
    check(dig(result, "data", "me", "user", "email") == admin, f"still logged in after the refresh: {result}")
    check(
        header(page.sent("AfterRefresh")[-1], "Authorization") == f"Bearer {after['accessToken']}",
        "GraphiQL uses the new token",
    )
    done.append("access token refreshed before expiry; GraphiQL goes on with the new one")

    # log out: the server ends the session
    old_token = after["accessToken"]
    page.el("logout").click()
    page.wait(lambda: page.el("login-form").is_displayed(), "the login form after logging out")
    check(page.stored() is None, "the tokens are forgotten")
    check(page.sent("tokenRevoke"), "tokenRevoke was sent")
    refused = httpx.post(
        f"{base}/graphql", json={"query": "{ me { user { email } } }"}, headers={"Authorization": f"Bearer {old_token}"}
    ).json()
    check(refused.get("errors") and not (refused.get("data") or {}).get("me"), f"the old token is dead: {refused}")
    page.shot("logged-out-again")
    done.append("log out: tokenRevoke sent, tokens forgotten, the old token refused by the server")

    # a user with roles in two schools switches tenant
    page.login(multi)
    page.logged_in_as(multi)
    picker = Select(page.el("tenant-picker"))
    options = {o.text: o.get_attribute("value") for o in picker.options if o.get_attribute("value")}
    check(len(options) >= 2, f"two tenants to pick from: {options}")
    roles_before = page.text("roles")
    target = next(label for label in options if "Riverside" in label)
    picker.select_by_value(options[target])
    page.wait(
        lambda: page.text("roles") != roles_before and "GUARDIAN" in page.text("roles"),
        "the roles in force of the other school",
    )
    result = page.run_query("query WhereAmI { me { rolesInForce activeTenant { ... on School { id name } } } }")
    check(dig(result, "data", "me", "activeTenant", "id") == options[target], f"X-Tenant-Id applied: {result}")
    check(header(page.sent("WhereAmI")[-1], "X-Tenant-Id") == options[target], "the request carried X-Tenant-Id")
    page.shot("tenant-switched")
    done.append(f"tenant switch ({multi}): {roles_before!r} -> {page.text('roles')!r} in {target!r}")

    # a header typed in GraphiQL's Headers tab wins over the bar's
    other_school = next(v for label, v in options.items() if label != target)
    page.set_headers(json.dumps({"X-Tenant-Id": other_school}))
    result = page.run_query("query ByHand { me { rolesInForce activeTenant { ... on School { id } } } }")
    check(dig(result, "data", "me", "activeTenant", "id") == other_school, f"the typed header wins: {result}")
    check(header(page.sent("ByHand")[-1], "X-Tenant-Id") == other_school, "one X-Tenant-Id: the typed one")
    page.set_headers("")
    done.append("a header typed in the Headers tab wins over the bar's")

    # a subscription through GraphiQL (docs/live-updates.md): the resident's notifications over the
    # WebSocket, with the bar's token in connection_init; the warden sends them over HTTP meanwhile
    page.el("logout").click()
    page.wait(lambda: page.el("login-form").is_displayed(), "the login form after logging out")
    resident = "resident@sunrise.demo"
    page.login(resident)
    page.logged_in_as(resident)
    warden = httpx.post(
        f"{base}/graphql",
        json={
            "query": login.replace("errors { code }", "accessToken errors { code }"),
            "variables": {"i": {"email": "warden@sunrise.demo", "password": demo.DEMO_PASSWORD}},
        },
    ).json()["data"]["tokenCreate"]["accessToken"]
    as_warden = {"Authorization": f"Bearer {warden}"}
    me = httpx.post(
        f"{base}/graphql",
        json={"query": "{ me { user { id } } }"},
        headers={"Authorization": f"Bearer {page.stored()['accessToken']}"},
    ).json()
    from kit.ids import decode_gid

    user_id = decode_gid(dig(me, "data", "me", "user", "id"))[1]
    found = httpx.post(
        f"{base}/graphql",
        json={"query": "{ hostelStudents(first: 1, filter: {userId: {eq: %d}}) { nodes { id } } }" % user_id},
        headers=as_warden,
    ).json()
    [student] = [n["id"] for n in dig(found, "data", "hostelStudents", "nodes") or []] or [None]
    check(student is not None, f"the resident's record: {found}")
    text = f"live-{time.time_ns()}"
    stop = threading.Event()

    def send_until_heard() -> None:  # nothing tells when the server has registered the subscription
        send = "mutation($i: NotificationSendInput!) { notificationSend(input: $i) { errors { code message } } }"
        variables = {
            "i": {
                "hostelStudentIds": [student],
                "notificationType": "waitlist.offer",
                "data": json.dumps({"message": text, "hostel": "Sunrise", "expires_at": "-"}),
            }
        }
        while not stop.wait(1.5):
            httpx.post(f"{base}/graphql", json={"query": send, "variables": variables}, headers=as_warden)

    sender = threading.Thread(target=send_until_heard, daemon=True)
    sender.start()
    try:
        result = page.run_query("subscription Mine { notificationReceived { body notificationType } }")
    finally:
        stop.set()
    check(dig(result, "data", "notificationReceived", "body") == text, f"the event in the result pane: {result}")
    page.collect_logs()
    check(any(u.endswith("/graphql") and u.startswith("ws://") for u in page.sockets), f"a WebSocket: {page.sockets}")
    page.d.find_element(By.CSS_SELECTOR, "button.graphiql-execute-button").click()  # stop the subscription
    page.shot("subscription")
    done.append(f"a subscription runs in GraphiQL over {page.sockets[-1]} and shows the event")

    page.collect_logs()
    clean_until = len(page.console)  # after this, the browser logs the refused query's 401 as an error

    # the session ended elsewhere (here: revoked with the same token): the next query tells, in one line
    token = page.stored()["accessToken"]
    revoke = httpx.post(
        f"{base}/graphql",
        json={"query": "mutation { tokenRevoke { done } }"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    check(dig(revoke, "data", "tokenRevoke", "done") is True, f"revoked: {revoke}")
    page.run_query("query AfterRevoke { me { user { email } } }")
    page.wait(lambda: page.el("login-form").is_displayed(), "the login form after the session ended elsewhere")
    text, kind = page.message()
    check(kind == "error" and "log in again" in text.lower(), f"one line says so: {text!r}")
    check(page.stored() is None, "the dead tokens are forgotten")
    page.shot("ended-elsewhere")
    done.append(f"a session ended elsewhere: the bar logs out ({text!r})")

    # offline and clean: no other host, no console error (CSP violations are errors)
    page.collect_logs()
    elsewhere = sorted({r["url"] for r in page.requests if not r["url"].startswith((base + "/", "data:"))})
    check(not elsewhere, f"requests to other hosts: {elsewhere}")
    refused = f"{base}/graphql - Failed to load resource: the server responded with a status of 401"
    errors = [
        e["message"]
        for i, e in enumerate(page.console)
        if e["level"] == "SEVERE" and not (i >= clean_until and e["message"].startswith(refused))
    ]
    check(not errors, f"console errors: {errors}")
    done.append(f"{len(page.requests)} requests, all to {base}; no console error")
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshots", type=Path, default=Path(tempfile.gettempdir()) / "graphiql-check")
    args = parser.parse_args()
    if webdriver is None:
        print("selenium is missing: .venv/bin/pip install -r bench/requirements.txt", file=sys.stderr)
        return 2
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        print("Chromium is missing: apt-get install -y chromium chromium-driver", file=sys.stderr)
        return 2
    args.screenshots.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="graphiql-check-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.time()
    server = start_server(data_dir, port)
    driver = None
    try:
        wait_ready(server, base)
        print(f"server ready at {base} in {time.time() - started:.0f} s")
        driver = browser()
        page = Page(driver, base, args.screenshots)
        done = run_checks(page, base)
    except CheckFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - a broken page (missing element, bad JSON) is a failed check too
        import traceback

        traceback.print_exc()
        return 1
    finally:
        if driver is not None:
            driver.quit()
        stop_server(server)
        shutil.rmtree(data_dir, ignore_errors=True)
    for line in done:
        print(f"  ok  {line}")
    print(f"{len(done)} checks passed in {time.time() - started:.0f} s; screenshots in {args.screenshots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
