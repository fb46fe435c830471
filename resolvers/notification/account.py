"""Account mail: the platform's own messages (password reset, family invitations) through the
one pipeline, in the account scope (no hostel; models/notification `AccountScopeMixin`).

- The types and their texts are the platform's (`pipeline.register_account_type`): no hostel
  template, routing rule or escalation applies, and a hostel cannot override them.
- They are transactional security mail: sent at once, through quiet hours, whatever the
  recipient's channel preferences or unsubscribes say, and without an unsubscribe link (a
  person who turned email off must still be able to reset their password). The in-app copy
  (`myNotifications`, `notificationReceived`) says what happened, never the link: the link
  travels as `private` data, rendered into the email or SMS only and stored nowhere the API
  reads (models/notification: `hostel_rows_only`).
- A recipient is a user, or an address of no account yet (an invitation): then there is no
  in-app copy, only the email or SMS.

`DEFER_SQL` is the same `notify` as a job (`notify_account`), for a caller whose statements
must not depend on whether anyone is told (a password reset request for an unknown address
runs the same statement as for a known one: resolvers/auth/service.py).
"""

from __future__ import annotations

from typing import Any

import procrastinate
from sqlalchemy import text

from resolvers.jobs.tasks import Backoff, _run, app, scoped
from resolvers.notification import pipeline

PASSWORD_RESET = "account.password_reset"
INVITATION = "account.invitation"
TASK = "notify_account"

pipeline.register_account_type(
    PASSWORD_RESET,
    {
        "IN_APP": (
            "Password reset requested",
            "Someone asked to reset your password; the link was sent to {{ email }}. "
            "If it was not you, change your password.",
        ),
        "EMAIL": (
            "Reset your password",
            "Someone asked to reset the password of {{ email }}.\n"
            "To choose a new one, open {{ link }} within {{ minutes }} minutes.\n"
            "If it was not you, ignore this message.",
        ),
    },
)
pipeline.register_account_type(
    INVITATION,
    {
        "IN_APP": ("Invitation to {{ school }}", "{{ school }} invites {{ name }} to the school's app."),
        "EMAIL": (
            "Your invitation to the school app",
            "{{ school }} invites {{ name }} to the school's app.\n"
            "Open {{ link }} within {{ days }} days to choose a password (once only).",
        ),
        "SMS": (None, "{{ school }} invites {{ name }} to the school's app: {{ link }} (within {{ days }} days)."),
    },
)

# A row of `procrastinate_job_to_defer_v1` for one user (`{user}`: the SQL expression of their id);
# `:account_queue`, `:account_task`, `:account_type`, `:account_data` and `:account_private` are
# bound from `defer_params`.
JOB_ROW = (
    "ROW(:account_queue, :account_task, 0, NULL, NULL, jsonb_build_object("
    "'user_ids', jsonb_build_array({user}), 'type', CAST(:account_type AS text), "
    "'data', CAST(:account_data AS jsonb), 'private', CAST(:account_private AS jsonb)), NULL"
    ")::procrastinate.procrastinate_job_to_defer_v1"
)


def defer_params(type_: str, data: dict[str, Any], private: dict[str, Any]) -> dict[str, Any]:
    import json

    return {
        "account_queue": pipeline.QUEUE,
        "account_task": TASK,
        "account_type": type_,
        "account_data": json.dumps(data),
        "account_private": json.dumps(private),
    }


async def notify_now(
    target: Any,
    *,
    type: str,  # noqa: A002 - as notify
    user_ids: list[int] | None = None,
    addresses: list[str] | None = None,
    data: dict[str, Any] | None = None,
    private: dict[str, Any] | None = None,
    source: str | None = None,
) -> pipeline.NotifyResult:
    """`notify` in the account scope (no hostel)."""
    return await pipeline.notify(
        target,
        hostel_id=None,
        user_ids=user_ids,
        addresses=addresses,
        type=type,
        data=data,
        private=private,
        source=source,
    )


@app.task(name=TASK, queue=pipeline.QUEUE, retry=Backoff(max_attempts=5, exponential_wait=2), pass_context=True)
async def notify_account(
    context: procrastinate.JobContext,
    user_ids: list[int],
    type: str,  # noqa: A002 - the job's argument, as notify's
    data: dict[str, Any],
    private: dict[str, Any],
) -> None:
    """Tell `user_ids` about account event `type` (see the module's docstring)."""

    async def work() -> None:
        async with scoped() as conn:
            # an account deactivated since the request is told nothing
            active = list(
                (
                    await conn.execute(text("SELECT id FROM users WHERE id = ANY(:ids) AND active"), {"ids": user_ids})
                ).scalars()
            )
            if active:
                await notify_now(conn, type=type, user_ids=active, data=data, private=private, source="auth")

    await _run(context, work)
