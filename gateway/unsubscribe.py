"""`/unsubscribe?token=...`: the page every notification email links to (its List-Unsubscribe
header too). GET only checks the link and asks, because mail scanners open links; POST (the
page's button, or a mail client's RFC 8058 one-click `List-Unsubscribe=One-Click`) turns the
channel off, as the `notificationUnsubscribe` mutation does. No login: the signed token is the
credential (resolvers/notification/unsubscribe.py)."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kit.db import RequestDB
from kit.errors import UserErrors
from gateway.graphql_http import GraphQLHTTP, RequestError, rate_limit_headers
from gateway.http_errors import error_response
from resolvers.notification import service

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}
button{{font:inherit;padding:.5rem 1.2rem;border:0;border-radius:.3rem;background:#2458a6;color:#fff;cursor:pointer}}
</style></head><body><h1>{title}</h1><p>{text}</p>{form}</body></html>"""
PAGE_COST = 1  # against the anonymous caller's address budget, as one GraphQL field
_FORM = '<form method="post"><input type="hidden" name="token" value="{token}"><button>Unsubscribe</button></form>'
# the page runs no script, loads nothing and posts only to itself
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token must not leak to another site
    "X-Content-Type-Options": "nosniff",
}


def _what(channel: str, kind: str) -> str:
    about = "all notifications" if kind == "*" else f"notifications of type “{kind}”"
    return f"{channel.replace('_', '-').lower()} messages about {about}"


def _page(status: int, title: str, text: str, token: str | None = None) -> HTMLResponse:
    form = _FORM.format(token=escape(token, quote=True)) if token else ""
    body = _PAGE.format(title=escape(title), text=escape(text), form=form)
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


def unsubscribe_route(graphql: GraphQLHTTP):  # noqa: ANN201
    async def page(request: Request) -> Response:
        if request.method == "POST":
            form = await request.form()
            token = str(form.get("token") or request.query_params.get("token") or "")
        else:
            token = request.query_params.get("token", "")
        apply = request.method == "POST"
        db = RequestDB(graphql.engine)  # not read-only: the token row is read FOR UPDATE
        committed = False
        try:
            # charged like any anonymous request (by address): each link checked costs a
            # transaction, so a script trying tokens meets the rate limit
            try:
                await graphql.identify(request, db, cost=lambda: PAGE_COST)
            except RequestError as exc:
                return error_response(exc.status, str(exc), exc.code)
            rate = getattr(request.state, "rate_limit", None)
            if rate is not None and rate.refused:
                return error_response(429, rate.refusal(), "RATE_LIMITED", rate_limit_headers(rate))
            session = await db.session()
            try:
                channel, kind, changes = await service.redeem_unsubscribe(None, session, token, apply=apply)
            except UserErrors:
                return _page(400, "This link is not valid", "It may have been altered or have expired.")
            await db.close(commit=apply)
            committed = True
        finally:
            if not committed:
                await db.close(commit=False)
        what = _what(channel, kind)
        if not apply and changes:
            return _page(200, "Unsubscribe?", f"Stop {what}? In-app notifications stay.", token)
        if apply and changes:
            return _page(200, "Unsubscribed", f"You will get no more {what}.")
        return _page(200, "Already unsubscribed", f"You get no {what}.")

    return page
