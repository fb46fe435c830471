"""Family accounts (issue 18): a school invites a guardian (or, where it enables student
accounts, a student) to a login; the invitation, accepted once before it expires, creates the
account or links an existing one, gives it the GUARDIAN (or STUDENT) role in the school, and is
from then on the link the family row filters read (models/school/access.py).

The invitation travels like a password reset: a single-use token, stored hashed, in account mail
of the notification pipeline (by email, or by SMS to a phone number; resolvers/notification/
account.py), with a link to `PUBLIC_URL`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from sqlalchemy import select, update

import models
from auth.passwords import hash_password_async, password_problem, verify_password_async
from auth.tokens import hash_token, new_opaque_token
from kit import writes
from kit.errors import ErrorCode, UserError, user_error
from kit.registry import spec_for_model
from kit.workflow import Doc, Ref
from resolvers.notification import account

log = logging.getLogger("campus.accounts")

INVITATION_DAYS = 7  # a parent may open the message days later; the token still dies unused after a week
INVALID_INVITATION = "This invitation is not valid or has expired; ask the school for a new one."


def _invalid(message: str, field: str) -> UserError:
    return user_error(ErrorCode.INVALID, message, field).errors[0]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def invite_guardian(
    ctx: Any,
    session: Any,
    guardian_id: Ref[models.Guardian],
    email: Annotated[str | None, Doc("Default: the guardian's email, else their contact number.")] = None,
    phone: Annotated[str | None, Doc("Send the invitation by SMS to this number instead of an email.")] = None,
) -> int:
    """Invite a guardian of the school to a login (by email or by SMS): accepted, the account
    reads the guardian's children's records. A new invitation replaces a pending one."""
    guardian = await writes.get_for_update(ctx, session, spec_for_model(models.Guardian), guardian_id)
    if not guardian.active:
        raise user_error(ErrorCode.INVALID, "The guardian is not active.", "guardianId")
    if email is None and phone is None:
        email, phone = (guardian.email, None) if guardian.email else (None, guardian.contact_number)
    await _invite(ctx, session, "guardian_id", guardian.id, guardian.name, email, phone)
    return guardian.id


async def invite_student(
    ctx: Any,
    session: Any,
    student_id: Ref[models.Student],
    email: Annotated[str | None, Doc("Default: the student's email, else their contact number.")] = None,
    phone: Annotated[str | None, Doc("Send the invitation by SMS to this number instead of an email.")] = None,
) -> int:
    """Invite a student to their own login, where the school enables student accounts
    (`School.studentAccounts`): accepted, the account reads the student's own records."""
    school = await session.get(models.School, ctx.school_id)
    if school is None or not school.student_accounts:
        raise user_error(ErrorCode.INVALID, "The school does not enable student accounts.", "studentId")
    student = await writes.get_for_update(ctx, session, spec_for_model(models.Student), student_id)
    if not student.active:
        raise user_error(ErrorCode.INVALID, "The student is not active.", "studentId")
    if email is None and phone is None:
        email, phone = (student.email, None) if student.email else (None, student.contact_number)
    name = " ".join(p for p in (student.first_name, student.last_name) if p)
    await _invite(ctx, session, "student_id", student.id, name, email, phone)
    return student.id


async def _invite(
    ctx: Any, session: Any, column: str, record_id: int, name: str, email: str | None, phone: str | None
) -> None:
    email = email.strip().lower() if email else None
    phone = phone.strip() if phone else None
    if email is not None and phone is not None:
        raise user_error(ErrorCode.INVALID, "Give an email or a phone number, not both.", "phone")
    if email is None and phone is None:
        raise user_error(ErrorCode.INVALID, "No email or phone number to send the invitation to.", "email")
    if email is not None and ("@" not in email or email.startswith("@") or email.endswith("@")):
        raise user_error(ErrorCode.INVALID, "Not an email address.", "email")
    if phone is not None and sum(c.isdigit() for c in phone) < 7:
        raise user_error(ErrorCode.INVALID, "Not a phone number.", "phone")
    fi = models.FamilyInvitation
    at = now()
    # one pending invitation per record: the newest link is the only one that works
    await session.execute(
        update(fi)
        .where(getattr(fi, column) == record_id, fi.school_id == ctx.school_id)
        .where(fi.accepted_at.is_(None), fi.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    token = new_opaque_token()
    session.add(
        fi(
            school_id=ctx.school_id,
            **{column: record_id},
            email=email,
            phone=phone,
            token_hash=hash_token(token),
            invited_by=ctx.user_id,
            invited_at=at,
            expires_at=at + dt.timedelta(days=INVITATION_DAYS),
        )
    )
    link = f"{ctx.settings.public_url.rstrip('/')}/accept-invitation?token={token}"
    school = await session.get(models.School, ctx.school_id)
    await account.notify_now(
        session,
        type=account.INVITATION,
        addresses=[email or phone or ""],
        data={"school": school.name if school else "Your school", "name": name, "days": INVITATION_DAYS},
        private={"link": link},
        source="students",
    )
    log.info("family invitation sent", extra={"to": email or phone})


async def accept(
    ctx: Any, session: Any, token: str, password: str, email: str | None, full_name: str | None
) -> UserError | int:
    """Accept an invitation: creates the account (or, for an email that has one, links it when
    the password is that account's), gives it the role in the school and links the record.
    Returns the user's id, or the error (nothing is then changed)."""
    fi = models.FamilyInvitation
    invitation = (
        await session.execute(select(fi).where(fi.token_hash == hash_token(token)).with_for_update())
    ).scalar_one_or_none()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now()
    ):
        return _invalid(INVALID_INVITATION, "token")
    address = (invitation.email or (email or "")).strip().lower()
    if not address or "@" not in address:
        return _invalid("An email address is needed to log in.", "email")
    role = models.UserRole.GUARDIAN if invitation.guardian_id is not None else models.UserRole.STUDENT
    User = models.User
    user = (await session.execute(select(User).where(User.email == address).with_for_update())).scalar_one_or_none()
    if user is not None:
        # the address has an account: only its owner may link it
        if not user.active or not await verify_password_async(user.password_hash, password):
            return _invalid("This email has an account: give its password to link it.", "password")
    else:
        problem = password_problem(password)
        if problem:
            return _invalid(problem, "password")
        user = User(
            email=address,
            full_name=(full_name or "").strip() or None,
            role=role,
            phone=invitation.phone,
            school_id=invitation.school_id,
            password_hash=await hash_password_async(password),
        )
        session.add(user)
        await session.flush()
    ra = models.RoleAssignment
    held = await session.scalar(
        select(ra.id).where(ra.user_id == user.id, ra.school_id == invitation.school_id, ra.role == role, ra.active)
    )
    if held is None:
        session.add(ra(user_id=user.id, role=role, school_id=invitation.school_id))
    at = now()
    column = fi.guardian_id if invitation.guardian_id is not None else fi.student_id
    record = invitation.guardian_id if invitation.guardian_id is not None else invitation.student_id
    # a record has one account: an earlier accepted link ends
    await session.execute(
        update(fi)
        .where(column == record, fi.school_id == invitation.school_id, fi.accepted_at.is_not(None))
        .where(fi.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    invitation.accepted_at, invitation.user_id = at, user.id
    await session.flush()
    return int(user.id)
