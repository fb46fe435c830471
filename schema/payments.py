"""Fee payments (seed 001 §7.1): `feePaymentRecord`, and finding a payment by its idempotency key.

The service is resolvers/fees/payments.py; the FeePayment type is schema/fees.py's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

import models
from auth.permissions import declare
from models.fees import access
from kit.registry import spec_for_model
from resolvers.fees import payments as service
from kit.errors import UserError
from kit.fields import authorize
from schema.fees import FINANCE_READERS, FeePayment
from kit.mutations import run_mutation

PAYMENT_WRITERS = access.PAYMENT_WRITERS
PAYMENT_SPEC = spec_for_model(models.FeePayment)


@strawberry.input(
    description="An amount paid on one fee assignment: it clears the pending late fee first, the rest is principal."
)
class FeePaymentAllocationInput:
    assignment_id: strawberry.ID = strawberry.field(
        description="A StudentFeeAssignment of the student; once per payment."
    )
    amount: Decimal = strawberry.field(
        description="More than 0, at most 2 decimals, at least the pending late fee, "
        "at most what is pending on the assignment."
    )


@strawberry.input
class FeePaymentRecordInput:
    student_id: strawberry.ID
    payment_date: dt.date = strawberry.field(description="Not in the future, on a day that is not closed.")
    mode: str = strawberry.field(description="CASH, BANK or UPI.")
    idempotency_key: str = strawberry.field(
        description=(
            "A fresh key per payment (at most 100 characters), the same one when retrying it: a retry returns the first "
            "payment (replayed: true) instead of paying twice; the key with different content is a CONFLICT."
        )
    )
    allocations: list[FeePaymentAllocationInput] = strawberry.field(
        description="One per fee assignment, all of the student and of one academic session."
    )
    transaction_reference: str | None = None
    remarks: str | None = None


def _payment_of(root: strawberry.Parent[Any], info: Info) -> FeePayment | None:
    if root._payment_id is None:
        return None
    return info.context.loaders.by_key(PAYMENT_SPEC, "id", info._raw_info).load(root._payment_id)


@strawberry.type(description="The payment recorded (or, for a retried idempotency key, the first one).")
class FeePaymentRecordPayload:
    fee_payment: FeePayment | None = strawberry.field(resolver=_payment_of)
    errors: list[UserError]
    replayed: bool = strawberry.field(
        description=(
            "True when this idempotency key had already recorded this payment: nothing was written again and "
            "feePayment is the first one."
        )
    )

    @staticmethod
    def make(result: service.PaymentResult | None, errors: list[UserError] | None = None) -> FeePaymentRecordPayload:
        payload = FeePaymentRecordPayload(errors=errors or [], replayed=bool(result and result.replayed))
        payload._payment_id = result.payment_id if result else None
        return payload


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "The payment recorded with this idempotency key in the active school, or null: a client that lost the answer "
            "to feePaymentRecord learns whether the payment went through without sending it again."
        )
    )
    async def fee_payment_by_idempotency_key(self, info: Info, idempotency_key: str) -> FeePayment | None:
        authorize(info, FINANCE_READERS)
        ctx = info.context
        key = idempotency_key.strip()
        if ctx.school_id is None or not key:  # keys are unique per school only
            return None
        return await ctx.loaders.by_key(PAYMENT_SPEC, "idempotency_key", info._raw_info).load(key)


declare("Query.feePaymentByIdempotencyKey", FINANCE_READERS)


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        description=(
            "Record a fee payment, allocated explicitly to fee assignments of one student (seed §7.1): each assignment is "
            "locked, its late fee accrued as of paymentDate, and each amount clears the pending late fee first, then "
            "principal; over-payment, a closed day (LOCKED) and another school's assignment (NOT_FOUND) are refused. "
            "Idempotent on idempotencyKey. School admins and accountants."
        )
    )
    async def fee_payment_record(self, info: Info, input: FeePaymentRecordInput) -> FeePaymentRecordPayload:  # noqa: A002
        authorize(info, PAYMENT_WRITERS)
        data = service.PaymentIn(
            student_id=input.student_id,
            payment_date=input.payment_date,
            mode=input.mode,
            transaction_reference=input.transaction_reference,
            remarks=input.remarks,
            idempotency_key=input.idempotency_key,
            allocations=[service.AllocationIn(a.assignment_id, a.amount) for a in input.allocations],
        )
        return await run_mutation(
            info, None, FeePaymentRecordPayload, lambda: service.record_payment(info.context, data)
        )


declare("Mutation.feePaymentRecord", PAYMENT_WRITERS)

mutations = (PaymentMutation,)
