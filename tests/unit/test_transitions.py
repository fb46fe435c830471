"""The booking lifecycle as a table, without a database (resolvers/booking/transitions.py): every
status x target pair, written out by hand from seed 000 (booking.py), and what `move` writes.
The HTTP table of the same rules is tests/test_booking_state_table.py; this one is what makes
mutation testing of the module affordable (bench/mutation.sh)."""

from __future__ import annotations

import pytest

from kit.errors import UserErrors
from models.booking import Booking, BookingStatus, BookingStatusHistory
from resolvers.booking import transitions

S = BookingStatus
P, A, R, C, I, D, N, X = (
    S.PENDING,
    S.APPROVED,
    S.REJECTED,
    S.CONFIRMED,
    S.CHECKED_IN,
    S.COMPLETED,
    S.NO_SHOW,
    S.CANCELLED,
)
# from -> the targets the lifecycle allows (PENDING -> APPROVED -> CONFIRMED -> CHECKED_IN -> COMPLETED;
# PENDING -> REJECTED; APPROVED/CONFIRMED -> NO_SHOW; PENDING/APPROVED/CONFIRMED -> CANCELLED)
EXPECTED = {
    P: {A, R, X},
    A: {C, X, N},
    C: {I, X, N},
    I: {D},
    D: set(),
    R: set(),
    N: set(),
    X: set(),
}
PAIRS = [(f, t) for f in S for t in S]


class Recorder:
    """What `move` hands the session (a booking without a booker account tells nobody, so
    nothing but the history row)."""

    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, row: object) -> None:
        self.added.append(row)


@pytest.mark.parametrize(("current", "to"), PAIRS, ids=[f"{f.value}->{t.value}" for f, t in PAIRS])
async def test_every_pair(current: BookingStatus, to: BookingStatus) -> None:
    allowed = to in EXPECTED[current]
    assert transitions.can_move(current, to) is allowed
    booking = Booking(id=41, status=current)
    session = Recorder()
    if allowed:
        await transitions.move(session, booking, to, reason="why")
        assert booking.status is to
        assert booking.status_changed_at is not None
        [history] = session.added
        assert isinstance(history, BookingStatusHistory)
        assert (history.booking_id, history.from_status, history.to_status, history.reason) == (41, current, to, "why")
    else:
        with pytest.raises(UserErrors) as refused:
            await transitions.move(session, booking, to)
        assert booking.status is current and booking.status_changed_at is None and session.added == []
        [error] = refused.value.errors
        assert error.code.value == "CONFLICT" and error.field == ["input", "id"]


@pytest.mark.parametrize(
    ("current", "message"),
    [
        (P, "A PENDING booking cannot become COMPLETED (allowed from PENDING: APPROVED, CANCELLED, REJECTED)."),
        (C, "A CONFIRMED booking cannot become COMPLETED (allowed from CONFIRMED: CANCELLED, CHECKED_IN, NO_SHOW)."),
        (X, "A CANCELLED booking cannot become COMPLETED (allowed from CANCELLED: none: it is final)."),
    ],
)
async def test_refusal_names_the_allowed_moves(current: BookingStatus, message: str) -> None:
    with pytest.raises(UserErrors) as refused:
        await transitions.move(Recorder(), Booking(id=1, status=current), D)
    assert refused.value.errors[0].message == message


def test_holding_statuses() -> None:
    """Approved, confirmed and checked-in bookings seat a bed; the others do not."""
    assert transitions.HOLDING == {A, C, I}
