"""Student documents: multipart upload, authenticated download, the same tenant rules."""

from __future__ import annotations

import orjson

from kit.ids import encode_gid
from tests.conftest import bearer
from tests.uploads import PREFLIGHT

UPLOAD = """mutation($input: StudentDocumentUploadInput!) { studentDocumentUpload(input: $input) {
  studentDocument { id fileName fileType fileUrl student { id } } errors { code field message } } }"""
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


async def _greenwood_student(db) -> str:
    async with db.acquire() as conn:
        sid = await conn.fetchval(
            "SELECT s.id FROM students s JOIN schools sc ON sc.id = s.school_id "
            "WHERE sc.school_code = 'DEMO-GWH' ORDER BY s.id LIMIT 1"
        )
    return encode_gid("Student", sid)


async def _upload(client, headers, student, content: bytes, name: str = "tc.pdf"):
    operations = {"query": UPLOAD, "variables": {"input": {"studentId": student, "file": None, "remarks": "TC"}}}
    r = await client.post(
        "/graphql",
        headers={**headers, **PREFLIGHT},
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps({"0": ["variables.input.file"]}).decode(),
        },
        files={"0": (name, content, "application/pdf")},
    )
    return r.json()["data"]["studentDocumentUpload"]


async def test_upload_download_and_delete(client, db):
    admin = await bearer(client, "admin@greenwood.demo")
    student = await _greenwood_student(db)
    payload = await _upload(client, admin, student, PDF, "../../etc/transfer certificate.pdf")
    assert payload["errors"] == []
    document = payload["studentDocument"]
    assert document["fileType"] == "application/pdf" and document["fileName"] == "transfer certificate.pdf"
    assert document["student"]["id"] == student

    got = await client.get(document["fileUrl"], headers=admin)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    # another school's admin, a teacher, and nobody at all: the same "no such document"
    for email in ("admin@riverside.demo", "teacher@greenwood.demo"):
        assert (await client.get(document["fileUrl"], headers=await bearer(client, email))).status_code == 404
    assert (await client.get(document["fileUrl"])).status_code == 401

    deleted = (
        await client.post(
            "/graphql",
            headers=admin,
            json={
                "query": """mutation($id: ID!) {
        studentDocumentDelete(input: {id: $id}) { deletedId errors { code } } }""",
                "variables": {"id": document["id"]},
            },
        )
    ).json()
    assert deleted["data"]["studentDocumentDelete"] == {"deletedId": document["id"], "errors": []}
    assert (await client.get(document["fileUrl"], headers=admin)).status_code == 404


async def test_uploads_are_checked_by_content_and_size(client, db, app, monkeypatch):
    admin = await bearer(client, "admin@greenwood.demo")
    student = await _greenwood_student(db)
    script = await _upload(client, admin, student, b"#!/bin/sh\nrm -rf /\n", "harmless.pdf")
    assert script["errors"] == [
        {"code": "INVALID", "field": ["input", "file"], "message": "Send a PDF, PNG or JPEG file."}
    ]
    monkeypatch.setattr(app.state.settings, "max_upload_bytes", 100)
    big = await _upload(client, admin, student, PDF + b" " * 200)
    assert big["errors"][0]["code"] == "INVALID" and "larger" in big["errors"][0]["message"]


async def test_a_multipart_request_without_operations_is_400(client):
    admin = await bearer(client, "admin@greenwood.demo")
    r = await client.post(
        "/graphql", headers={**admin, **PREFLIGHT}, data={"map": "{}"}, files={"0": ("a.pdf", PDF, "application/pdf")}
    )
    assert r.status_code == 400


async def test_a_file_sent_as_json_is_a_clear_error(client, db):
    admin = await bearer(client, "admin@greenwood.demo")
    body = (
        await client.post(
            "/graphql",
            headers=admin,
            json={
                "query": UPLOAD,
                "variables": {"input": {"studentId": await _greenwood_student(db), "file": "not a file"}},
            },
        )
    ).json()
    assert body["data"]["studentDocumentUpload"]["errors"][0]["code"] == "INVALID"
