"""Hostel files (issue 15, slice "files"): direct uploads typed by content, resumable upload
sessions (interrupted and resumed: byte-identical), versions, quotas, who reads which file,
signed expiring download URLs with an access log, and image variants made by the queue's job.

Each test uploads as a resident of its own (a fresh user holding HOSTEL_STUDENT in a demo
hostel) or as the demo wardens, adding rows and never changing demo rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import os
from typing import Any

import orjson
from PIL import Image

from kit.file_urls import FileGrant, sign
from kit.ids import decode_gid
from kit.settings import get_settings
from kit.storage import storage_root
from resolvers.jobs import tasks
from tests.conftest import GQL, as_user, bearer
from tests.hostel_setup import hostel, new_user, user_client
from tests.uploads import PREFLIGHT

ERR = "errors { field code message }"
FILE = "id fileName contentType extension sizeBytes sha256 currentVersion accessLevel isImage uploadedBy"
UPLOAD = f"""mutation($input: FileUploadInput!) {{ fileUpload(input: $input) {{
  fileUpload {{ {FILE} downloadUrl }} {ERR} }} }}"""
SESSION = f"""mutation($i: UploadSessionCreateInput!) {{ uploadSessionCreate(input: $i) {{
  uploadSession {{ id partsTotal partBytes totalBytes status }} {ERR} }} }}"""
PART = f"""mutation($input: UploadSessionPartPutInput!) {{ uploadSessionPartPut(input: $input) {{
  uploadSession {{ id parts(first: 50) {{ totalCount nodes {{ partNumber sizeBytes }} }} }} {ERR} }} }}"""
COMPLETE = f"""mutation($i: UploadSessionCompleteInput!) {{ uploadSessionComplete(input: $i) {{
  fileUpload {{ {FILE} downloadUrl }} {ERR} }} }}"""
QUOTA = f"""mutation($i: FileQuotaSetInput!) {{ fileQuotaSet(input: $i) {{
  fileQuota {{ id limitBytes usedBytes userId }} {ERR} }} }}"""
NODE = f"""query($id: ID!) {{ node(id: $id) {{ ... on FileUpload {{ {FILE} }} }} }}"""
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(size: int) -> bytes:
    """A PDF of exactly `size` bytes, its body random (a swapped or lost part shows)."""
    return PDF + os.urandom(size - len(PDF))


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


async def member(client: Any, db: Any, slug: str = "demo-sunrise", role: str = "HOSTEL_STUDENT") -> tuple[GQL, int]:
    """A fresh user holding `role` in the hostel, logged in there."""
    email, user_id = await new_user(db, role)
    h = await hostel(db, slug)
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO role_assignments (user_id, role, hostel_id) VALUES ($1, $2, $3)", user_id, role, h["id"]
        )
    return await user_client(client, email, h["gid"]), user_id


async def multipart(g: GQL, query: str, variables: dict[str, Any], path: str, name: str, content: bytes) -> Any:
    response = await g.client.post(
        "/graphql",
        headers={**g.headers, **PREFLIGHT},
        data={
            "operations": orjson.dumps({"query": query, "variables": variables}).decode(),
            "map": orjson.dumps({"0": [path]}).decode(),
        },
        files={"0": (name, content, "application/octet-stream")},
    )
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def upload(g: GQL, content: bytes, name: str = "form.pdf", **extra: Any) -> Any:
    return await multipart(g, UPLOAD, {"input": {"file": None, **extra}}, "variables.input.file", name, content)


async def put_part(g: GQL, session: str, number: int, content: bytes) -> Any:
    variables = {"input": {"sessionId": session, "partNumber": number, "part": None}}
    return await multipart(g, PART, variables, "variables.input.part", f"part-{number}", content)


async def counts(db: Any, user_id: int) -> tuple[int, int, int]:
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM file_uploads WHERE uploaded_by = $1) AS files, "
            "(SELECT count(*) FROM file_versions WHERE uploaded_by = $1) AS versions, "
            "(SELECT coalesce(sum(used_bytes), 0) FROM file_quotas WHERE user_id = $1) AS used",
            user_id,
        )
    return row["files"], row["versions"], row["used"]


async def test_a_resident_uploads_a_file_typed_by_its_content_and_downloads_it_by_signed_url(client, db):
    resident, user_id = await member(client, db)
    payload = await upload(resident, PDF, "../../etc/fee receipt.bin", description="Fee receipt")
    assert payload["errors"] == []
    file = payload["fileUpload"]
    assert file["fileName"] == "fee receipt.bin"  # no folders from a client's name
    assert (file["contentType"], file["extension"]) == ("application/pdf", "pdf")  # its content, not its name
    assert (file["sizeBytes"], file["sha256"]) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert (file["currentVersion"], file["accessLevel"], file["uploadedBy"]) == (1, "PRIVATE", user_id)

    url = file["downloadUrl"]
    got = await client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert 'filename="fee receipt.bin"' in got.headers["content-disposition"]

    # the download is logged, for staff to read; a resident does not read the log
    warden = await as_user(client, "warden@sunrise.demo")
    logs = await warden(
        """query($f: ID!) { fileAccessLogs(filter: {fileId: {eq: $f}}) { nodes { userId versionNumber variant } } }""",
        {"f": file["id"]},
    )
    assert logs["data"]["fileAccessLogs"]["nodes"] == [{"userId": user_id, "versionNumber": 1, "variant": None}]
    denied = await resident("{ fileAccessLogs { totalCount } }", expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_file_of_another_type_or_too_large_is_refused_and_nothing_is_written(client, db, app, monkeypatch):
    resident, user_id = await member(client, db)
    before = await counts(db, user_id)
    script = await upload(resident, b"#!/bin/sh\nrm -rf /\n", "harmless.pdf")
    assert script["fileUpload"] is None
    assert script["errors"][0]["code"] == "INVALID" and script["errors"][0]["field"] == ["input", "file"]
    exe = await upload(resident, b"MZ\x90\x00" + b"\x00" * 200, "setup.pdf")
    assert exe["errors"][0]["code"] == "INVALID"
    monkeypatch.setattr(app.state.settings, "max_upload_bytes", 100)
    big = await upload(resident, pdf(200))
    assert big["errors"][0]["code"] == "INVALID" and "larger" in big["errors"][0]["message"]
    assert await counts(db, user_id) == before


async def test_who_reads_which_file(client, db):
    owner, _ = await member(client, db)
    other, _ = await member(client, db)
    private = (await upload(owner, PDF))["fileUpload"]
    warden = await as_user(client, "warden@sunrise.demo")
    shared = (await upload(warden, PDF, "house rules.pdf", accessLevel="HOSTEL"))["fileUpload"]
    assert shared["accessLevel"] == "HOSTEL"

    # staff read every file of their hostel; another resident only what is shared with the hostel
    assert (await warden(NODE, {"id": private["id"]}))["data"]["node"]["id"] == private["id"]
    assert (await other(NODE, {"id": private["id"]}))["data"]["node"] is None
    assert (await other(NODE, {"id": shared["id"]}))["data"]["node"]["id"] == shared["id"]
    listed = await other("{ fileUploads(first: 100) { nodes { id } } }")
    ids = {n["id"] for n in listed["data"]["fileUploads"]["nodes"]}
    assert shared["id"] in ids and private["id"] not in ids
    # another hostel's warden and a visitor see nothing of it
    lotus = await as_user(client, "warden@lotus.demo")
    assert (await lotus(NODE, {"id": private["id"]}))["data"]["node"] is None
    visitor = await as_user(client, "visitor@demo.campus")
    assert (await visitor(NODE, {"id": shared["id"]}))["data"]["node"] is None
    # a resident cannot share a file with the whole hostel, nor add a version to another's file
    refused = await upload(owner, PDF, accessLevel="HOSTEL")
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    not_theirs = await upload(other, PDF, fileId=private["id"])
    assert [e["code"] for e in not_theirs["errors"]] == ["NOT_FOUND"]
    # a visitor (no hostel) uploads nothing
    body = await visitor.raw("{ __typename }")  # the visitor's client works; the upload is refused
    assert body.status_code == 200
    response = await client.post(
        "/graphql",
        headers={**visitor.headers, **PREFLIGHT},
        data={
            "operations": orjson.dumps({"query": UPLOAD, "variables": {"input": {"file": None}}}).decode(),
            "map": orjson.dumps({"0": ["variables.input.file"]}).decode(),
        },
        files={"0": ("x.pdf", PDF, "application/pdf")},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_signed_urls_refuse_forged_altered_expired_and_deactivated(client, db, app):
    resident, _ = await member(client, db)
    file = (await upload(resident, PDF))["fileUpload"]
    path = file["downloadUrl"].removeprefix("http://127.0.0.1:8000")
    assert (await client.get(path)).status_code == 200
    token = path.removeprefix("/files/")
    head, body, signature = token.split(".")
    # another file's id (or another hostel's) in the claims: the signature no longer matches
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    lotus = await hostel(db, "demo-lotus")
    forged = dict(claims, h=lotus["id"])
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    for bad in (f"{head}.{forged_body}.{signature}", f"{head}.{body}.{signature[:-4]}AAAA", "not-a-token"):
        refused = await client.get(f"/files/{bad}")
        assert refused.status_code == 403, bad
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # an access token is not a download token
    access = (await bearer(client, "resident@sunrise.demo"))["Authorization"].removeprefix("Bearer ")
    assert (await client.get(f"/files/{access}")).status_code == 403
    # a genuine token whose time is up
    _, file_pk = decode_gid(file["id"])
    grant = FileGrant(claims["h"], file_pk, 1, None, claims["u"])
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    expired = await client.get(f"/files/{sign(app.state.keys, grant, 60, now=past)}")
    assert expired.status_code == 403 and "expired" in expired.json()["errors"][0]["message"]
    # a deactivated file is no longer served, even by a link given before
    warden = await as_user(client, "warden@sunrise.demo")
    done = await warden(
        "mutation($i: FileUploadDeactivateInput!) { fileUploadDeactivate(input: $i) { errors { code } } }",
        {"i": {"id": file["id"]}},
    )
    assert done["data"]["fileUploadDeactivate"]["errors"] == []
    assert (await client.get(path)).status_code == 404


async def test_an_interrupted_resumable_upload_resumes_into_a_byte_identical_file(client, db):
    resident, user_id = await member(client, db)
    content = pdf(2500)
    digest = hashlib.sha256(content).hexdigest()
    created = (
        await resident(
            SESSION, {"i": {"fileName": "lease.pdf", "totalBytes": len(content), "partBytes": 1000, "sha256": digest}}
        )
    )["data"]["uploadSessionCreate"]
    assert created["errors"] == []
    session = created["uploadSession"]
    assert (session["partsTotal"], session["status"]) == (3, "OPEN")
    parts = [content[0:1000], content[1000:2000], content[2000:]]

    assert (await put_part(resident, session["id"], 1, parts[0]))["errors"] == []
    # the connection drops during part 2: the server got a short part and refuses it
    short = await put_part(resident, session["id"], 2, parts[1][:400])
    assert short["errors"][0]["code"] == "INVALID" and "1000 bytes" in short["errors"][0]["message"]
    early = (await resident(COMPLETE, {"i": {"sessionId": session["id"]}}))["data"]["uploadSessionComplete"]
    assert early["errors"][0]["code"] == "CONFLICT" and "2, 3" in early["errors"][0]["message"]
    assert (await counts(db, user_id))[0] == 0

    # resumed: the rest in another order, part 1 sent again (it replaces itself)
    assert (await put_part(resident, session["id"], 3, parts[2]))["errors"] == []
    assert (await put_part(resident, session["id"], 1, parts[0]))["errors"] == []
    last = await put_part(resident, session["id"], 2, parts[1])
    assert last["uploadSession"]["parts"]["totalCount"] == 3
    done = (await resident(COMPLETE, {"i": {"sessionId": session["id"]}}))["data"]["uploadSessionComplete"]
    assert done["errors"] == []
    file = done["fileUpload"]
    assert (file["sizeBytes"], file["sha256"], file["fileName"]) == (len(content), digest, "lease.pdf")
    got = await client.get(file["downloadUrl"].removeprefix("http://127.0.0.1:8000"))
    assert got.content == content
    # a completed session takes no more parts
    again = await put_part(resident, session["id"], 1, parts[0])
    assert again["errors"][0]["code"] == "CONFLICT"
    # another user cannot send parts to someone's session
    other, _ = await member(client, db)
    fresh = (await resident(SESSION, {"i": {"fileName": "x.pdf", "totalBytes": 10}}))["data"]["uploadSessionCreate"]
    stolen = await put_part(other, fresh["uploadSession"]["id"], 1, PDF[:10])
    assert stolen["errors"][0]["code"] == "NOT_FOUND"


async def test_a_wrong_checksum_completes_nothing(client, db):
    resident, user_id = await member(client, db)
    content = pdf(300)
    created = (await resident(SESSION, {"i": {"fileName": "a.pdf", "totalBytes": 300, "sha256": "0" * 64}}))["data"][
        "uploadSessionCreate"
    ]["uploadSession"]
    assert (await put_part(resident, created["id"], 1, content))["errors"] == []
    done = (await resident(COMPLETE, {"i": {"sessionId": created["id"]}}))["data"]["uploadSessionComplete"]
    assert done["errors"][0]["code"] == "CONFLICT"
    assert await counts(db, user_id) == (0, 0, 0)


async def test_a_new_upload_to_a_file_adds_a_version_and_old_versions_stay_downloadable(client, db):
    resident, _ = await member(client, db)
    first = (await upload(resident, PDF, "plan.pdf"))["fileUpload"]
    second_bytes = pdf(400)
    second = (await upload(resident, second_bytes, "plan v2.pdf", fileId=first["id"]))["fileUpload"]
    assert second["id"] == first["id"] and second["currentVersion"] == 2 and second["fileName"] == "plan v2.pdf"
    body = await resident(
        """query($id: ID!) { node(id: $id) { ... on FileUpload {
          old: downloadUrl(version: 1)
          versions(orderBy: {field: VERSION_NUMBER, direction: ASC}) { nodes { versionNumber sizeBytes sha256 } } } } }""",
        {"id": first["id"]},
    )
    node = body["data"]["node"]
    assert [(v["versionNumber"], v["sizeBytes"]) for v in node["versions"]["nodes"]] == [(1, len(PDF)), (2, 400)]
    assert (await client.get(node["old"].removeprefix("http://127.0.0.1:8000"))).content == PDF
    assert (await client.get(second["downloadUrl"].removeprefix("http://127.0.0.1:8000"))).content == second_bytes
    bad = await resident(
        """query($id: ID!) { node(id: $id) { ... on FileUpload { downloadUrl(version: 3) } } }""",
        {"id": first["id"]},
        expect_errors=True,
    )
    assert "versions 1 to 2" in bad["errors"][0]["message"]


async def test_quotas_of_a_user_refuse_an_upload_with_a_clear_error_that_changes_nothing(client, db):
    resident, user_id = await member(client, db)
    assert (await upload(resident, pdf(300)))["errors"] == []
    warden = await as_user(client, "warden@sunrise.demo")
    quotas = await warden("query($u: Int!) { fileQuotas(filter: {userId: {eq: $u}}) { nodes { id } } }", {"u": user_id})
    [quota] = [n["id"] for n in quotas["data"]["fileQuotas"]["nodes"]]
    set_quota = (await warden(QUOTA, {"i": {"quotaId": quota, "limitBytes": 500}}))["data"]["fileQuotaSet"]
    assert set_quota["errors"] == []
    assert (set_quota["fileQuota"]["limitBytes"], set_quota["fileQuota"]["usedBytes"]) == (500, 300)
    before = await counts(db, user_id)
    over = await upload(resident, pdf(300))
    assert over["fileUpload"] is None
    assert over["errors"][0]["code"] == "CONFLICT"
    assert over["errors"][0]["message"].startswith("Your storage quota is used up: 0.0 MB of 0.0 MB used")
    assert await counts(db, user_id) == before
    # a session that could never fit is refused when opened
    session = (await resident(SESSION, {"i": {"fileName": "big.pdf", "totalBytes": 400}}))["data"]
    assert session["uploadSessionCreate"]["errors"][0]["code"] == "CONFLICT"
    # what still fits is taken
    assert (await upload(resident, pdf(200)))["errors"] == []
    # the resident reads their own quota, not others'; only an admin sets one
    mine = await resident("{ fileQuotas { nodes { userId usedBytes limitBytes } } }")
    assert mine["data"]["fileQuotas"]["nodes"] == [{"userId": user_id, "usedBytes": 500, "limitBytes": 500}]
    refused = await resident(QUOTA, {"i": {"quotaId": quota, "limitBytes": 10**9}}, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lotus = await as_user(client, "warden@lotus.demo")
    other_hostel = (await lotus(QUOTA, {"i": {"quotaId": quota, "limitBytes": 10**9}}))["data"]["fileQuotaSet"]
    assert other_hostel["errors"][0]["code"] == "NOT_FOUND"  # Sunrise's quota, out of Lotus's reach
    again = await upload(resident, pdf(100))
    assert again["errors"][0]["code"] == "CONFLICT"


async def test_an_image_gets_its_details_and_variants_from_the_queue(client, db, app, app_url):
    # a worker reads its settings from the environment (tests/conftest.py): the gateway's storage
    assert storage_root(get_settings()) == storage_root(app.state.settings)
    resident, _ = await member(client, db)
    file = (await upload(resident, png(2000, 1000), "room.png"))["fileUpload"]
    assert file["isImage"] and file["contentType"] == "image/png"
    await tasks.run_worker(
        app_url, queues=["files"], wait=False, concurrency=1, install_signal_handlers=False, stalled_seconds=3600
    )
    body = await resident(
        """query($id: ID!) { node(id: $id) { ... on FileUpload {
          thumb: downloadUrl(variant: THUMBNAIL)
          images { nodes { status width height imageFormat colorMode } }
          variants(orderBy: {field: CREATED_AT, direction: ASC}) { nodes { kind width height contentType } } } } }""",
        {"id": file["id"]},
    )
    node = body["data"]["node"]
    assert node["images"]["nodes"] == [
        {"status": "DONE", "width": 2000, "height": 1000, "imageFormat": "PNG", "colorMode": "RGB"}
    ]
    assert sorted((v["kind"], v["width"], v["height"]) for v in node["variants"]["nodes"]) == [
        ("THUMBNAIL", 256, 128),
        ("WEB", 1600, 800),
    ]
    got = await client.get(node["thumb"].removeprefix("http://127.0.0.1:8000"))
    assert got.status_code == 200 and got.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(got.content)).size == (256, 128)


async def test_the_demo_hostels_show_files_to_their_members(client):
    resident = await as_user(client, "resident@sunrise.demo")
    body = await resident(
        """{ fileUploads(first: 20, orderBy: {field: FILE_NAME, direction: ASC}) { nodes {
          fileName accessLevel currentVersion variants { totalCount } } }
          fileQuotas { nodes { usedBytes } } uploadSessions { nodes { partsTotal parts { totalCount } } } }"""
    )
    files = {n["fileName"]: n for n in body["data"]["fileUploads"]["nodes"]}
    assert {"House rules.pdf", "Mess menu.pdf", "Common room.png", "ID proof.pdf"} <= set(files)
    assert files["House rules.pdf"]["currentVersion"] == 2 and files["ID proof.pdf"]["accessLevel"] == "PRIVATE"
    assert files["Common room.png"]["variants"]["totalCount"] == 2
    assert [n["usedBytes"] > 0 for n in body["data"]["fileQuotas"]["nodes"]] == [True]
    assert [(s["partsTotal"], s["parts"]["totalCount"]) for s in body["data"]["uploadSessions"]["nodes"]] == [(3, 1)]
    tagged = await resident("{ fileTags(orderBy: {field: NAME, direction: ASC}) { nodes { name usageCount } } }")
    tags = {n["name"]: n["usageCount"] for n in tagged["data"]["fileTags"]["nodes"]}
    assert (tags["Notices"], tags["Food"], tags["Photos"]) == (2, 1, 1)
    favorites = await resident("{ fileFavorites { nodes { file { fileName } } } }")
    assert favorites["data"]["fileFavorites"]["nodes"] == [{"file": {"fileName": "House rules.pdf"}}]
    lotus = await as_user(client, "warden@lotus.demo")
    names = await lotus(
        """{ fileUploads(first: 20, filter: {fileName: {eq: "House rules.pdf"}}) { nodes { fileName } }
        fileAccessLogs { totalCount } }"""
    )
    assert "House rules.pdf" in {n["fileName"] for n in names["data"]["fileUploads"]["nodes"]}
    assert names["data"]["fileAccessLogs"]["totalCount"] >= 3


async def test_two_uploads_at_once_cannot_both_slip_under_a_quota(client, db):
    resident, user_id = await member(client, db)
    warden = await as_user(client, "warden@sunrise.demo")
    assert (await upload(resident, PDF))["errors"] == []  # the user's quota row appears with a first upload
    quotas = await warden("query($u: Int!) { fileQuotas(filter: {userId: {eq: $u}}) { nodes { id } } }", {"u": user_id})
    quota = quotas["data"]["fileQuotas"]["nodes"][0]["id"]
    assert (await warden(QUOTA, {"i": {"quotaId": quota, "limitBytes": 700 + len(PDF)}}))["data"]["fileQuotaSet"][
        "errors"
    ] == []
    results = await asyncio.gather(*(upload(resident, pdf(400), f"{n}.pdf") for n in range(4)))
    assert sorted(len(r["errors"]) for r in results) == [0, 1, 1, 1]  # one fits, the others wait and are refused
    assert await counts(db, user_id) == (2, 2, 400 + len(PDF))


async def test_the_file_list_costs_the_same_statements_for_few_or_many_files(client, db):
    resident, _ = await member(client, db)
    query = """{ fileUploads(first: 50) { totalCount nodes { fileName sizeBytes downloadUrl
      versions { nodes { versionNumber } } variants { nodes { kind width } } } } }"""
    await upload(resident, PDF)
    few = await resident(query)
    for n in range(4):
        await upload(resident, pdf(100 + n))
    many = await resident(query)
    assert many["data"]["fileUploads"]["totalCount"] > few["data"]["fileUploads"]["totalCount"]
    assert resident.statements(many) == resident.statements(few) <= 6


async def test_the_s3_backend_stores_and_serves_files(db, app_url, monkeypatch, tmp_path):
    """The same upload and download through an S3 server (moto's, in this process)."""
    import boto3
    from asgi_lifespan import LifespanManager
    from moto.server import ThreadedMotoServer

    import httpx

    from gateway.app import create_app
    from tests.conftest import make_settings

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="campus-files")
        settings = make_settings(
            file_storage="s3", s3_bucket="campus-files", s3_prefix="test", s3_endpoint_url=endpoint
        )
        application = create_app(settings, database_url=app_url)
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://gateway.test"
            ) as s3_client,
        ):
            resident, _ = await member(s3_client, db)
            content = pdf(3000)
            file = (await upload(resident, content))["fileUpload"]
            key = f"test/hostels/{(await hostel(db, 'demo-sunrise'))['id']}/files/{decode_gid(file['id'])[1]}/v1"
            stored = boto3.client("s3", endpoint_url=endpoint).get_object(Bucket="campus-files", Key=key)
            assert stored["Body"].read() == content
            got = await s3_client.get(file["downloadUrl"].removeprefix("http://127.0.0.1:8000"))
            assert got.status_code == 200 and got.content == content
            # a resumable upload joins its parts in the bucket
            created = await resident(SESSION, {"i": {"fileName": "s.pdf", "totalBytes": 3000, "partBytes": 2000}})
            sid = created["data"]["uploadSessionCreate"]["uploadSession"]["id"]
            assert (await put_part(resident, sid, 2, content[2000:]))["errors"] == []
            assert (await put_part(resident, sid, 1, content[:2000]))["errors"] == []
            done = (await resident(COMPLETE, {"i": {"sessionId": sid}}))["data"]["uploadSessionComplete"]
            joined = await s3_client.get(done["fileUpload"]["downloadUrl"].removeprefix("http://127.0.0.1:8000"))
            assert joined.content == content
    finally:
        server.stop()


async def test_student_documents_live_in_the_storage_and_older_ones_stay_readable(client, db, app):
    from resolvers.students import documents
    from tests.test_documents import PDF as DOCUMENT, _greenwood_student, _upload

    admin = await bearer(client, "admin@greenwood.demo")
    document = (await _upload(client, admin, await _greenwood_student(db), DOCUMENT))["studentDocument"]
    _, pk = decode_gid(document["id"])
    async with db.acquire() as conn:
        school = await conn.fetchval("SELECT school_id FROM student_documents WHERE id = $1", pk)
    stored = storage_root(app.state.settings) / documents.storage_key(school, pk)
    assert stored.read_bytes() == DOCUMENT
    # a document stored before the storage existed (UPLOAD_DIR/<school>/<id>) is still served
    legacy = documents.legacy_path(app.state.settings, school, pk)
    legacy.parent.mkdir(parents=True, exist_ok=True)
    stored.rename(legacy)
    got = await client.get(document["fileUrl"], headers=admin)
    assert got.status_code == 200 and got.content == DOCUMENT
    legacy.unlink()
    assert (await client.get(document["fileUrl"], headers=admin)).status_code == 404


async def test_ended_upload_sessions_lose_their_parts_bytes_and_expired_ones_are_closed(client, db, app, app_url):
    from resolvers.file_management.images import prune_upload_sessions
    from resolvers.file_management.service import part_key

    resident, _ = await member(client, db)
    content = pdf(1500)
    sessions = []
    for _ in range(2):
        created = await resident(SESSION, {"i": {"fileName": "x.pdf", "totalBytes": 1500, "partBytes": 1000}})
        sid = created["data"]["uploadSessionCreate"]["uploadSession"]["id"]
        assert (await put_part(resident, sid, 1, content[:1000]))["errors"] == []
        sessions.append(sid)
    expired, completed = sessions
    assert (await put_part(resident, completed, 2, content[1000:]))["errors"] == []
    assert (await resident(COMPLETE, {"i": {"sessionId": completed}}))["data"]["uploadSessionComplete"]["errors"] == []
    async with db.acquire() as conn:  # the first one's 24 hours are over
        await conn.execute(
            "UPDATE upload_sessions SET expires_at = now() - interval '1 minute' WHERE id = $1", decode_gid(expired)[1]
        )
    h = (await hostel(db, "demo-sunrise"))["id"]
    parts = {sid: storage_root(app.state.settings) / part_key(h, decode_gid(sid)[1], 1) for sid in sessions}
    assert all(p.exists() for p in parts.values())

    async with tasks.opened(app_url):
        assert await prune_upload_sessions() >= 2
        assert await prune_upload_sessions() == 0  # once
    assert not any(p.exists() for p in parts.values())
    read = await resident(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on UploadSession { status partsDeletedAt parts { totalCount } } } }",
        {"ids": sessions},
    )
    states = [(n["status"], n["partsDeletedAt"] is not None, n["parts"]["totalCount"]) for n in read["data"]["nodes"]]
    assert states == [("EXPIRED", True, 1), ("COMPLETED", True, 2)]
    late = await put_part(resident, expired, 2, content[1000:])
    assert late["errors"][0]["code"] == "CONFLICT"


async def test_tags_and_favourites(client, db):
    resident, _ = await member(client, db)
    other, _ = await member(client, db)
    warden = await as_user(client, "warden@sunrise.demo")
    tag_ids = []
    for name in ("Receipts", "2026"):
        created = await warden(
            f"mutation($i: FileTagCreateInput!) {{ fileTagCreate(input: $i) {{ fileTag {{ id }} {ERR} }} }}",
            {"i": {"name": f"{name} {os.urandom(3).hex()}"}},
        )
        tag_ids.append(created["data"]["fileTagCreate"]["fileTag"]["id"])
    file = (await upload(resident, PDF))["fileUpload"]
    tags_set = f"""mutation($i: FileTagsSetInput!) {{ fileTagsSet(input: $i) {{
      fileUpload {{ taggings {{ nodes {{ tag {{ id usageCount }} }} }} }} {ERR} }} }}"""
    done = (await resident(tags_set, {"i": {"fileId": file["id"], "tagIds": tag_ids}}))["data"]["fileTagsSet"]
    assert done["errors"] == []
    assert sorted((n["tag"]["id"], n["tag"]["usageCount"]) for n in done["fileUpload"]["taggings"]["nodes"]) == sorted(
        (t, 1) for t in tag_ids
    )
    fewer = (await resident(tags_set, {"i": {"fileId": file["id"], "tagIds": tag_ids[:1]}}))["data"]["fileTagsSet"]
    assert [n["tag"]["id"] for n in fewer["fileUpload"]["taggings"]["nodes"]] == tag_ids[:1]
    count = await warden("query($id: ID!) { node(id: $id) { ... on FileTag { usageCount } } }", {"id": tag_ids[1]})
    assert count["data"]["node"]["usageCount"] == 0
    # another resident may not tag a file they cannot read; a resident creates no tag
    refused = (await other(tags_set, {"i": {"fileId": file["id"], "tagIds": []}}))["data"]["fileTagsSet"]
    assert refused["errors"][0]["code"] == "NOT_FOUND"
    no_tag = await resident('mutation { fileTagCreate(input: {name: "mine"}) { errors { code } } }', expect_errors=True)
    assert no_tag["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    toggle = f"""mutation($i: FileFavoriteToggleInput!) {{ fileFavoriteToggle(input: $i) {{ fileUpload {{ id }} {ERR} }} }}"""
    assert (await resident(toggle, {"i": {"fileId": file["id"]}}))["data"]["fileFavoriteToggle"]["errors"] == []
    mine = "{ fileFavorites { nodes { file { id } } } }"
    assert (await resident(mine))["data"]["fileFavorites"]["nodes"] == [{"file": {"id": file["id"]}}]
    # a favourite is its user's own: staff do not see it among theirs
    assert {"file": {"id": file["id"]}} not in (await warden(mine))["data"]["fileFavorites"]["nodes"]
    assert (await resident(toggle, {"i": {"fileId": file["id"]}}))["data"]["fileFavoriteToggle"]["errors"] == []
    assert (await resident(mine))["data"]["fileFavorites"]["nodes"] == []
    hidden = (await other(toggle, {"i": {"fileId": file["id"]}}))["data"]["fileFavoriteToggle"]
    assert hidden["errors"][0]["code"] == "NOT_FOUND"


async def test_an_image_pillow_cannot_read_is_recorded_as_failed_once(client, db, app_url):
    resident, _ = await member(client, db)
    broken = png(64, 64)[:60]  # a PNG signature and header, its pixels cut off
    file = (await upload(resident, broken, "cut.png"))["fileUpload"]
    assert file["isImage"]
    await tasks.run_worker(
        app_url, queues=["files"], wait=False, concurrency=1, install_signal_handlers=False, stalled_seconds=3600
    )
    body = await resident(
        """query($id: ID!) { node(id: $id) { ... on FileUpload {
          images { nodes { id status width error } } variants { totalCount } } } }""",
        {"id": file["id"]},
    )
    node = body["data"]["node"]
    [image] = node["images"]["nodes"]
    assert image["status"] == "FAILED" and image["width"] is None and image["error"]
    assert node["variants"]["totalCount"] == 0
    async with db.acquire() as conn:  # not retried: a file that cannot be read will not become readable
        states = await conn.fetch(
            "SELECT status::text FROM procrastinate.procrastinate_jobs "
            "WHERE task_name = 'process_image' AND args->>'image_id' = $1",
            str(decode_gid(image["id"])[1]),
        )
    assert [s["status"] for s in states] == ["succeeded"]


async def test_an_uploader_grants_one_member_a_file_until_revoked_or_expired(client, db):
    owner, _ = await member(client, db)
    friend, friend_id = await member(client, db)
    stranger, _ = await member(client, db)
    file = (await upload(owner, PDF, "notes.pdf"))["fileUpload"]
    grant = f"""mutation($i: FileAccessGrantInput!) {{ fileAccessGrant(input: $i) {{
      fileAccess {{ id userId expiresAt }} {ERR} }} }}"""
    assert (await friend(NODE, {"id": file["id"]}))["data"]["node"] is None
    given = (await owner(grant, {"i": {"fileId": file["id"], "userId": friend_id}}))["data"]["fileAccessGrant"]
    assert given["errors"] == []
    seen = (await friend(NODE, {"id": file["id"]}))["data"]["node"]
    assert seen["id"] == file["id"]
    url = await friend("query($id: ID!) { node(id: $id) { ... on FileUpload { downloadUrl } } }", {"id": file["id"]})
    got = await client.get(url["data"]["node"]["downloadUrl"].removeprefix("http://127.0.0.1:8000"))
    assert got.status_code == 200 and got.content == PDF
    assert (await stranger(NODE, {"id": file["id"]}))["data"]["node"] is None
    # only the uploader (or staff) grants; a user of another hostel is no member here
    by_friend = (await friend(grant, {"i": {"fileId": file["id"], "userId": friend_id}}))["data"]["fileAccessGrant"]
    assert by_friend["errors"][0]["code"] == "NOT_FOUND"
    _, outsider = await member(client, db, "demo-lotus")
    foreign = (await owner(grant, {"i": {"fileId": file["id"], "userId": outsider}}))["data"]["fileAccessGrant"]
    assert foreign["errors"][0]["code"] == "NOT_FOUND"
    # a grant whose time is up shows nothing more
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE file_access SET expires_at = now() - interval '1 second' WHERE id = $1",
            decode_gid(given["fileAccess"]["id"])[1],
        )
    assert (await friend(NODE, {"id": file["id"]}))["data"]["node"] is None
    # granted again, then revoked
    again = (await owner(grant, {"i": {"fileId": file["id"], "userId": friend_id}}))["data"]["fileAccessGrant"]
    assert again["fileAccess"]["id"] == given["fileAccess"]["id"] and again["fileAccess"]["expiresAt"] is None
    revoke = f"""mutation($i: FileAccessRevokeInput!) {{ fileAccessRevoke(input: $i) {{ {ERR} }} }}"""
    assert (await friend(revoke, {"i": {"grantId": again["fileAccess"]["id"]}}))["data"]["fileAccessRevoke"]["errors"][
        0
    ]["code"] == "NOT_FOUND"
    assert (await owner(revoke, {"i": {"grantId": again["fileAccess"]["id"]}}))["data"]["fileAccessRevoke"][
        "errors"
    ] == []
    assert (await friend(NODE, {"id": file["id"]}))["data"]["node"] is None


async def test_an_aborted_upload_session_drops_its_parts_and_takes_no_more(client, db, app):
    from resolvers.file_management.service import part_key

    resident, _ = await member(client, db)
    other, _ = await member(client, db)
    created = await resident(SESSION, {"i": {"fileName": "x.pdf", "totalBytes": 1500, "partBytes": 1000}})
    sid = created["data"]["uploadSessionCreate"]["uploadSession"]["id"]
    assert (await put_part(resident, sid, 1, pdf(1000)))["errors"] == []
    stored = storage_root(app.state.settings) / part_key(
        (await hostel(db, "demo-sunrise"))["id"], decode_gid(sid)[1], 1
    )
    assert stored.exists()
    abort = f"""mutation($i: UploadSessionAbortInput!) {{ uploadSessionAbort(input: $i) {{
      uploadSession {{ status }} {ERR} }} }}"""
    not_theirs = (await other(abort, {"i": {"sessionId": sid}}))["data"]["uploadSessionAbort"]
    assert not_theirs["errors"][0]["code"] == "NOT_FOUND" and stored.exists()
    done = (await resident(abort, {"i": {"sessionId": sid}}))["data"]["uploadSessionAbort"]
    assert done["errors"] == [] and done["uploadSession"]["status"] == "ABORTED"
    assert not stored.exists()
    late = await put_part(resident, sid, 2, pdf(500))
    assert late["errors"][0]["code"] == "CONFLICT"
    again = (await resident(COMPLETE, {"i": {"sessionId": sid}}))["data"]["uploadSessionComplete"]
    assert again["errors"][0]["code"] == "CONFLICT"
