"""Authenticated file downloads, under the same token, tenant and role rules as GraphQL."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from auth.permissions import SCHOOL_ADMINS
from gateway.db import RequestDB
from gateway.graphql_http import GraphQLHTTP, RequestError
from resolvers.students import documents
from schema.common.ids import InvalidId, decode_gid


def _error(status: int, message: str, code: str) -> Response:
    return Response(orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}), status_code=status,
                    media_type="application/json")


def student_document_route(graphql: GraphQLHTTP):  # noqa: ANN201
    async def download(request: Request) -> Response:
        db = RequestDB(graphql.engine, read_only=True)
        try:
            try:
                identity, problem = await graphql.identify(request, db)
            except RequestError as exc:
                return _error(exc.status, str(exc), exc.code)
            if identity is None:
                return _error(401, problem or "Log in first: send Authorization: Bearer <accessToken>.", "UNAUTHENTICATED")
            if identity.roles.isdisjoint(SCHOOL_ADMINS) or identity.tenant is None or identity.tenant.kind != "School":
                return _error(404, "No such document.", "NOT_FOUND")  # the same answer as for a missing one
            try:
                kind, pk = decode_gid(request.path_params["id"])
            except InvalidId:
                kind, pk = "", 0
            row = await documents.find(db, identity.tenant.id, pk) if kind == "StudentDocument" else None
            path = documents.stored_path(graphql.settings, identity.tenant.id, pk)
            if row is None or not path.exists():
                return _error(404, "No such document.", "NOT_FOUND")
            return FileResponse(path, media_type=row["file_type"], filename=row["file_name"],
                                headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
        finally:
            await db.close(commit=True)

    return download
