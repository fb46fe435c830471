"""Maintenance (issue 16, resolvers/maintenance/): requests through their state machine with a
history row per move, approval by cost by the approver a threshold names (never the requester),
work to staff or to a vendor under an active contract, completion with materials, quality check
and certificate, costs against the category budget (beyond it only with an admin's recorded
override), vendor invoices against the contract's terms, preventive schedules run by a job once
per due date, computed figures, and who sees what.

Each test makes its own issue type (and budget slice, vendor, contract) in Sunrise, so the demo
rows stay as they are; the demo's threshold (above Rs 10,000, approved by the Sunrise warden)
is read, never changed."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from decimal import Decimal
from typing import Any

from kit.ids import encode_gid
from resolvers.jobs import tasks
from tests.conftest import GQL, as_user, hostel_today, unique

ERR = "errors { field code message }"
SUNRISE = "demo-sunrise"
WARDEN, SUPERVISOR = "warden@sunrise.demo", "supervisor@sunrise.demo"

REQUEST = """id requestNumber status approvalRequired estimatedCost actualCost dueOn source
  statusHistory(first: 20, orderBy: {field: CREATED_AT, direction: ASC}) { nodes { fromStatus toStatus } }"""
CREATE = f"""mutation($input: MaintenanceRequestCreateInput!) {{ maintenanceRequestCreate(input: $input) {{
  maintenanceRequest {{ {REQUEST} }} {ERR} }} }}"""
ASSIGN = f"""mutation($input: MaintenanceRequestAssignInput!) {{ maintenanceRequestAssign(input: $input) {{
  maintenanceAssignment {{ id scheduledOn status request {{ status }} }} {ERR} }} }}"""
ASSIGN_VENDOR = f"""mutation($input: MaintenanceRequestAssignVendorInput!) {{
  maintenanceRequestAssignVendor(input: $input) {{ vendorAssignment {{ id quotedAmount }} {ERR} }} }}"""
START = f"""mutation($id: ID!) {{ maintenanceRequestStart(input: {{maintenanceRequestId: $id}}) {{
  maintenanceRequest {{ status }} {ERR} }} }}"""
COMPLETE = f"""mutation($input: MaintenanceRequestCompleteInput!) {{ maintenanceRequestComplete(input: $input) {{
  maintenanceCompletion {{ id labourCost materialsCost actualCost
    materials(first: 10) {{ nodes {{ name totalCost }} }} }} {ERR} }} }}"""
CHECK = f"""mutation($input: MaintenanceRequestQualityCheckInput!) {{ maintenanceRequestQualityCheck(input: $input) {{
  maintenanceQualityCheck {{ passed request {{ status }} }} {ERR} }} }}"""
APPROVE = f"""mutation($id: ID!) {{ maintenanceRequestApprove(input: {{maintenanceRequestId: $id}}) {{
  maintenanceApproval {{ status decidedAt workflow {{ status }} }} {ERR} }} }}"""
COMMIT = f"""mutation($input: MaintenanceCostCommitInput!) {{ maintenanceCostCommit(input: $input) {{
  maintenanceCost {{ amount remainingBefore overBudget overrideReason }} {ERR} }} }}"""
GET = f"""query($id: ID!) {{ node(id: $id) {{ ... on MaintenanceRequest {{ {REQUEST} }} }} }}"""


async def ok(g: GQL, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    body = await g(query, variables)
    payload = body["data"][name]
    assert payload["errors"] == [], payload
    return payload


async def refused(g: GQL, query: str, variables: dict[str, Any], name: str, code: str) -> dict[str, Any]:
    body = await g(query, variables)
    payload = body["data"][name]
    assert [e["code"] for e in payload["errors"]] == [code], payload
    return payload


def forbidden(body: dict[str, Any], name: str) -> None:
    """Refused by the mutation's rule: no payload, a FORBIDDEN error."""
    assert (body.get("data") or {}).get(name) is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body


async def user_id(db: Any, email: str) -> int:
    return int(await db.fetchval("SELECT id FROM users WHERE email = $1", email))


async def user_gid(db: Any, email: str) -> str:
    return encode_gid("User", await db.fetchval("SELECT id FROM users WHERE email = $1", email))


async def issue_type(warden: GQL, requires_certificate: bool = False) -> str:
    body = await ok(
        warden,
        f"""mutation($input: MaintenanceIssueTypeCreateInput!) {{ maintenanceIssueTypeCreate(input: $input) {{
        maintenanceIssueType {{ id }} {ERR} }} }}""",
        {"input": {"code": unique("T"), "name": unique("Issue"), "requiresCertificate": requires_certificate}},
        "maintenanceIssueTypeCreate",
    )
    return body["maintenanceIssueType"]["id"]


async def request(g: GQL, issue: str, estimate: str = "500.00", **extra: Any) -> dict[str, Any]:
    body = await ok(
        g,
        CREATE,
        {"input": {"issueTypeId": issue, "title": unique("Fix"), "estimatedCost": estimate, **extra}},
        "maintenanceRequestCreate",
    )
    return body["maintenanceRequest"]


async def get(g: GQL, gid: str) -> dict[str, Any]:
    return (await g(GET, {"id": gid}))["data"]["node"]


def moves(req: dict[str, Any]) -> list[str]:
    return [n["toStatus"] for n in req["statusHistory"]["nodes"]]


async def budget_slice(warden: GQL, issue: str, amount: str) -> str:
    allocation = (await warden("{ budgetAllocations(first: 5) { nodes { id startsOn endsOn } } }"))["data"][
        "budgetAllocations"
    ]["nodes"]
    today = hostel_today().isoformat()
    (current,) = [a for a in allocation if a["startsOn"] <= today <= a["endsOn"]]
    body = await ok(
        warden,
        f"""mutation($input: CategoryBudgetCreateInput!) {{ categoryBudgetCreate(input: $input) {{
        categoryBudget {{ id }} {ERR} }} }}""",
        {"input": {"allocationId": current["id"], "issueTypeId": issue, "amount": amount}},
        "categoryBudgetCreate",
    )
    return body["categoryBudget"]["id"]


async def contract(warden: GQL, starts: dt.date, ends: dt.date, limit: str = "5000.00") -> dict[str, str]:
    vendor = await ok(
        warden,
        f"""mutation($input: MaintenanceVendorCreateInput!) {{ maintenanceVendorCreate(input: $input) {{
        maintenanceVendor {{ id }} {ERR} }} }}""",
        {"input": {"name": unique("Vendor"), "specialty": "Plumbing"}},
        "maintenanceVendorCreate",
    )
    vendor_id = vendor["maintenanceVendor"]["id"]
    body = await ok(
        warden,
        f"""mutation($input: VendorContractCreateInput!) {{ vendorContractCreate(input: $input) {{
        vendorContract {{ id }} {ERR} }} }}""",
        {
            "input": {
                "vendorId": vendor_id,
                "contractNumber": unique("VC"),
                "startsOn": starts.isoformat(),
                "endsOn": ends.isoformat(),
                "maxJobAmount": limit,
            }
        },
        "vendorContractCreate",
    )
    return {"vendor": vendor_id, "contract": body["vendorContract"]["id"]}


# ---- the request's life -------------------------------------------------------------------------


async def test_a_request_moves_through_its_states_with_a_history_row_per_move(client, db):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    req = await request(warden, issue, "800.00")
    assert (req["status"], req["approvalRequired"], moves(req)) == ("OPEN", False, ["OPEN"])
    assigned = await ok(
        warden,
        ASSIGN,
        {"input": {"maintenanceRequestId": req["id"], "assigneeId": await user_gid(db, SUPERVISOR)}},
        "maintenanceRequestAssign",
    )
    assert assigned["maintenanceAssignment"]["scheduledOn"] == hostel_today().isoformat()
    assert (await ok(supervisor, START, {"id": req["id"]}, "maintenanceRequestStart"))["maintenanceRequest"][
        "status"
    ] == "IN_PROGRESS"
    done = await ok(
        supervisor,
        COMPLETE,
        {
            "input": {
                "maintenanceRequestId": req["id"],
                "workSummary": "Replaced the washer",
                "labourCost": "250.00",
                "materials": [
                    {"name": "Washer", "quantity": "3", "unitCost": "12.50"},
                    {"name": "Teflon tape", "quantity": "0.5", "unitCost": "41.99", "unit": "roll"},
                ],
            }
        },
        "maintenanceRequestComplete",
    )
    completion = done["maintenanceCompletion"]
    # 3 x 12.50 = 37.50; 0.5 x 41.99 = 20.995 -> 21.00 (half up); labour 250
    assert (completion["materialsCost"], completion["actualCost"]) == ("58.50", "308.50")
    assert sorted(n["totalCost"] for n in completion["materials"]["nodes"]) == ["21.00", "37.50"]
    failed = await ok(
        warden, CHECK, {"input": {"maintenanceRequestId": req["id"], "passed": False}}, "maintenanceRequestQualityCheck"
    )
    assert failed["maintenanceQualityCheck"]["request"]["status"] == "IN_PROGRESS"  # back to work
    await ok(
        supervisor,
        COMPLETE,
        {"input": {"maintenanceRequestId": req["id"], "workSummary": "Redone", "labourCost": "100.00"}},
        "maintenanceRequestComplete",
    )
    passed = await ok(
        warden,
        CHECK,
        {"input": {"maintenanceRequestId": req["id"], "passed": True, "score": 4}},
        "maintenanceRequestQualityCheck",
    )
    assert passed["maintenanceQualityCheck"]["request"]["status"] == "VERIFIED"
    final = await get(warden, req["id"])
    assert final["actualCost"] == "100.00"  # the latest completion's
    assert moves(final) == ["OPEN", "ASSIGNED", "IN_PROGRESS", "COMPLETED", "IN_PROGRESS", "COMPLETED", "VERIFIED"]


async def test_an_invalid_move_is_refused_and_changes_nothing(client, db):
    warden = await as_user(client, WARDEN)
    issue = await issue_type(warden)
    req = await request(warden, issue)
    await refused(warden, START, {"id": req["id"]}, "maintenanceRequestStart", "CONFLICT")
    await refused(
        warden,
        COMPLETE,
        {"input": {"maintenanceRequestId": req["id"], "workSummary": "x", "labourCost": "10.00"}},
        "maintenanceRequestComplete",
        "CONFLICT",
    )
    await refused(
        warden,
        CHECK,
        {"input": {"maintenanceRequestId": req["id"], "passed": True}},
        "maintenanceRequestQualityCheck",
        "CONFLICT",
    )
    cancel = f"""mutation($id: ID!, $r: String!) {{ maintenanceRequestCancel(input: {{maintenanceRequestId: $id, reason: $r}}) {{
      maintenanceRequest {{ status }} {ERR} }} }}"""
    await ok(warden, cancel, {"id": req["id"], "r": "duplicate"}, "maintenanceRequestCancel")
    await refused(warden, cancel, {"id": req["id"], "r": "again"}, "maintenanceRequestCancel", "CONFLICT")
    await refused(
        warden,
        ASSIGN,
        {"input": {"maintenanceRequestId": req["id"], "assigneeId": await user_gid(db, SUPERVISOR)}},
        "maintenanceRequestAssign",
        "CONFLICT",
    )
    after = await get(warden, req["id"])
    assert (after["status"], moves(after)) == ("CANCELLED", ["OPEN", "CANCELLED"])
    # bad input: a negative estimate, a resident as assignee
    await refused(
        warden,
        CREATE,
        {"input": {"issueTypeId": issue, "title": "x", "estimatedCost": "-1.00"}},
        "maintenanceRequestCreate",
        "INVALID",
    )
    other = await request(warden, issue)
    await refused(
        warden,
        ASSIGN,
        {"input": {"maintenanceRequestId": other["id"], "assigneeId": await user_gid(db, "resident@sunrise.demo")}},
        "maintenanceRequestAssign",
        "NOT_FOUND",
    )
    assert moves(await get(warden, other["id"])) == ["OPEN"]


async def test_staff_change_what_an_unfinished_request_says(client):
    warden = await as_user(client, WARDEN)
    issue = await issue_type(warden)
    req = await request(warden, issue)
    change = f"""mutation($input: MaintenanceRequestUpdateInput!) {{ maintenanceRequestUpdate(input: $input) {{
      maintenanceRequest {{ title priority dueOn status }} {ERR} }} }}"""
    due = (hostel_today() + dt.timedelta(days=9)).isoformat()
    changed = await ok(
        warden,
        change,
        {
            "input": {
                "maintenanceRequestId": req["id"],
                "title": "Tap, second floor",
                "priority": "URGENT",
                "dueOn": due,
            }
        },
        "maintenanceRequestUpdate",
    )
    assert changed["maintenanceRequest"] == {
        "title": "Tap, second floor",
        "priority": "URGENT",
        "dueOn": due,
        "status": "OPEN",
    }
    past = (hostel_today() - dt.timedelta(days=1)).isoformat()
    await refused(
        warden,
        change,
        {"input": {"maintenanceRequestId": req["id"], "dueOn": past}},
        "maintenanceRequestUpdate",
        "INVALID",
    )
    assert (await get(warden, req["id"]))["dueOn"] == due


# ---- approval ----------------------------------------------------------------------------------


async def test_an_estimate_above_the_threshold_waits_for_the_named_approver(client, db):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    # the demo threshold: above Rs 10,000 the Sunrise warden approves
    req = await request(supervisor, issue, "15000.00")
    assert (req["status"], req["approvalRequired"]) == ("PENDING_APPROVAL", True)
    pending = await warden(
        """query($id: ID!) { maintenanceApprovals(first: 5, filter: {requestId: {eq: $id}}) {
        nodes { status estimatedCost approver { email } } } }""",
        {"id": req["id"]},
    )
    assert pending["data"]["maintenanceApprovals"]["nodes"] == [
        {"status": "PENDING", "estimatedCost": "15000.00", "approver": {"email": WARDEN}}
    ]
    # cannot be worked on or completed before approval, nor approved by anyone else
    await refused(
        warden,
        COMPLETE,
        {"input": {"maintenanceRequestId": req["id"], "workSummary": "x", "labourCost": "10.00"}},
        "maintenanceRequestComplete",
        "CONFLICT",
    )
    await refused(
        warden,
        ASSIGN,
        {"input": {"maintenanceRequestId": req["id"], "assigneeId": await user_gid(db, SUPERVISOR)}},
        "maintenanceRequestAssign",
        "CONFLICT",
    )
    await refused(supervisor, APPROVE, {"id": req["id"]}, "maintenanceRequestApprove", "FORBIDDEN")
    assert (await get(warden, req["id"]))["status"] == "PENDING_APPROVAL"
    approved = await ok(warden, APPROVE, {"id": req["id"]}, "maintenanceRequestApprove")
    assert approved["maintenanceApproval"]["status"] == "APPROVED"
    assert approved["maintenanceApproval"]["workflow"]["status"] == "APPROVED"
    assert moves(await get(warden, req["id"])) == ["PENDING_APPROVAL", "APPROVED"]
    await refused(warden, APPROVE, {"id": req["id"]}, "maintenanceRequestApprove", "CONFLICT")  # decided


async def test_the_named_approver_rejects_a_request_and_it_ends_there(client):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    req = await request(supervisor, issue, "15000.00")
    reject = f"""mutation($input: MaintenanceRequestRejectInput!) {{ maintenanceRequestReject(input: $input) {{
      maintenanceApproval {{ status notes }} {ERR} }} }}"""
    inp = {"input": {"maintenanceRequestId": req["id"], "notes": "Too dear: get another quote"}}
    await refused(supervisor, reject, inp, "maintenanceRequestReject", "FORBIDDEN")  # not the named approver
    assert (await get(warden, req["id"]))["status"] == "PENDING_APPROVAL"
    rejected = (await ok(warden, reject, inp, "maintenanceRequestReject"))["maintenanceApproval"]
    assert rejected == {"status": "REJECTED", "notes": "Too dear: get another quote"}
    assert moves(await get(warden, req["id"])) == ["PENDING_APPROVAL", "REJECTED"]
    await refused(warden, APPROVE, {"id": req["id"]}, "maintenanceRequestApprove", "CONFLICT")  # it ended
    await refused(warden, reject, inp, "maintenanceRequestReject", "CONFLICT")


async def test_an_admin_resizes_a_category_budget_and_costs_meet_the_new_amount(client):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    slice_id = await budget_slice(warden, issue, "1000.00")
    req = await request(supervisor, issue)
    update = f"""mutation($input: CategoryBudgetUpdateInput!) {{ categoryBudgetUpdate(input: $input) {{
      categoryBudget {{ id amount }} {ERR} }} }}"""
    forbidden(
        await supervisor(update, {"input": {"id": slice_id, "amount": "5000.00"}}, expect_errors=True),
        "categoryBudgetUpdate",
    )
    await refused(warden, update, {"input": {"id": slice_id, "amount": "-1.00"}}, "categoryBudgetUpdate", "INVALID")
    resized = await ok(warden, update, {"input": {"id": slice_id, "amount": "1500.00"}}, "categoryBudgetUpdate")
    assert resized["categoryBudget"] == {"id": slice_id, "amount": "1500.00"}
    cost = {"input": {"maintenanceRequestId": req["id"], "amount": "1200.00", "costType": "LABOUR"}}
    committed = (await ok(supervisor, COMMIT, cost, "maintenanceCostCommit"))["maintenanceCost"]
    assert (committed["remainingBefore"], committed["overBudget"]) == ("1500.00", False)


async def test_the_requester_never_approves_their_own_request(client):
    warden = await as_user(client, WARDEN)
    issue = await issue_type(warden)
    req = await request(warden, issue, "12000.00")  # the warden is also the threshold's approver
    await refused(warden, APPROVE, {"id": req["id"]}, "maintenanceRequestApprove", "FORBIDDEN")
    assert (await get(warden, req["id"]))["status"] == "PENDING_APPROVAL"


# ---- vendors, certificates ----------------------------------------------------------------------


async def test_vendor_work_needs_an_active_contract_and_invoices_above_its_terms_need_approval(client, db):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    today = hostel_today()
    req = await request(warden, issue)
    expired = await contract(warden, today - dt.timedelta(days=60), today - dt.timedelta(days=1))
    current = await contract(warden, today - dt.timedelta(days=1), today + dt.timedelta(days=30), "5000.00")

    def vendor_input(c: dict[str, str], quote: str) -> dict[str, Any]:
        return {"input": {"maintenanceRequestId": req["id"], "contractId": c["contract"], "quotedAmount": quote}}

    await refused(warden, ASSIGN_VENDOR, vendor_input(expired, "100.00"), "maintenanceRequestAssignVendor", "CONFLICT")
    await refused(warden, ASSIGN_VENDOR, vendor_input(current, "6000.00"), "maintenanceRequestAssignVendor", "CONFLICT")
    forbidden(  # engaging a vendor is the admins'
        await supervisor(ASSIGN_VENDOR, vendor_input(current, "100.00"), expect_errors=True),
        "maintenanceRequestAssignVendor",
    )
    assert moves(await get(warden, req["id"])) == ["OPEN"]
    job = (await ok(warden, ASSIGN_VENDOR, vendor_input(current, "3000.00"), "maintenanceRequestAssignVendor"))[
        "vendorAssignment"
    ]["id"]
    record = f"""mutation($input: VendorInvoiceRecordInput!) {{ vendorInvoiceRecord(input: $input) {{
      vendorInvoice {{ id status exceedsTerms }} {ERR} }} }}"""

    def invoice(number: str, amount: str) -> dict[str, Any]:
        return {
            "input": {
                "vendorAssignmentId": job,
                "invoiceNumber": number,
                "invoiceDate": today.isoformat(),
                "amount": amount,
            }
        }

    first = (await ok(warden, record, invoice("A-1", "2000.00"), "vendorInvoiceRecord"))["vendorInvoice"]
    assert (first["status"], first["exceedsTerms"]) == ("MATCHED", False)
    await refused(warden, record, invoice("A-1", "10.00"), "vendorInvoiceRecord", "CONFLICT")  # same number
    second = (await ok(warden, record, invoice("A-2", "1500.00"), "vendorInvoiceRecord"))["vendorInvoice"]
    assert (second["status"], second["exceedsTerms"]) == ("PENDING_APPROVAL", True)  # 3,500 billed on a 3,000 quote
    approve = f"""mutation($id: ID!) {{ vendorInvoiceApprove(input: {{vendorInvoiceId: $id}}) {{
      vendorInvoice {{ status }} {ERR} }} }}"""
    forbidden(await supervisor(approve, {"id": second["id"]}, expect_errors=True), "vendorInvoiceApprove")
    assert (await ok(warden, approve, {"id": second["id"]}, "vendorInvoiceApprove"))["vendorInvoice"][
        "status"
    ] == "APPROVED"
    await refused(
        warden, approve, {"id": first["id"]}, "vendorInvoiceApprove", "CONFLICT"
    )  # matched: nothing to approve
    third = (await ok(warden, record, invoice("A-3", "900.00"), "vendorInvoiceRecord"))["vendorInvoice"]
    assert third["status"] == "PENDING_APPROVAL"  # past the quote again
    reject = f"""mutation($id: ID!) {{ vendorInvoiceReject(input: {{vendorInvoiceId: $id}}) {{
      vendorInvoice {{ status }} {ERR} }} }}"""
    forbidden(await supervisor(reject, {"id": third["id"]}, expect_errors=True), "vendorInvoiceReject")
    assert (await ok(warden, reject, {"id": third["id"]}, "vendorInvoiceReject"))["vendorInvoice"] == {
        "status": "REJECTED"
    }
    await refused(warden, approve, {"id": third["id"]}, "vendorInvoiceApprove", "CONFLICT")  # decided


async def test_completion_of_an_issue_type_requiring_a_certificate_needs_one(client, db):
    warden = await as_user(client, WARDEN)
    issue = await issue_type(warden, requires_certificate=True)
    req = await request(warden, issue)
    await ok(
        warden,
        ASSIGN,
        {"input": {"maintenanceRequestId": req["id"], "assigneeId": await user_gid(db, SUPERVISOR)}},
        "maintenanceRequestAssign",
    )
    base = {"maintenanceRequestId": req["id"], "workSummary": "Rewired", "labourCost": "900.00"}
    await refused(warden, COMPLETE, {"input": base}, "maintenanceRequestComplete", "INVALID")
    assert (await get(warden, req["id"]))["status"] == "ASSIGNED"
    number = unique("EC")
    await ok(
        warden,
        COMPLETE,
        {"input": {**base, "certificateNumber": number, "certificateIssuedBy": "Licensed electrician"}},
        "maintenanceRequestComplete",
    )
    certs = await warden(
        """query($id: ID!) { maintenanceCertificates(first: 5, filter: {requestId: {eq: $id}}) {
        nodes { certificateNumber issuedBy } } }""",
        {"id": req["id"]},
    )
    assert certs["data"]["maintenanceCertificates"]["nodes"] == [
        {"certificateNumber": number, "issuedBy": "Licensed electrician"}
    ]


# ---- money ----------------------------------------------------------------------------------------


async def test_going_beyond_the_category_budget_needs_a_hostel_admins_recorded_override(client):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    await budget_slice(warden, issue, "1000.00")
    req = await request(supervisor, issue)

    def cost(amount: str, reason: str | None = None) -> dict[str, Any]:
        return {
            "input": {
                "maintenanceRequestId": req["id"],
                "amount": amount,
                "costType": "MATERIAL",
                **({"overrideReason": reason} if reason else {}),
            }
        }

    first = (await ok(supervisor, COMMIT, cost("600.00"), "maintenanceCostCommit"))["maintenanceCost"]
    assert (first["remainingBefore"], first["overBudget"]) == ("1000.00", False)
    await refused(supervisor, COMMIT, cost("400.01"), "maintenanceCostCommit", "CONFLICT")
    await refused(supervisor, COMMIT, cost("400.01", "urgent"), "maintenanceCostCommit", "FORBIDDEN")
    await refused(supervisor, COMMIT, cost("0.00"), "maintenanceCostCommit", "INVALID")
    await refused(supervisor, COMMIT, cost("1.005"), "maintenanceCostCommit", "INVALID")
    over = (await ok(warden, COMMIT, cost("400.01", "Burst pipe, no time to wait"), "maintenanceCostCommit"))[
        "maintenanceCost"
    ]
    assert over == {
        "amount": "400.01",
        "remainingBefore": "400.00",
        "overBudget": True,
        "overrideReason": "Burst pipe, no time to wait",
    }
    costs = await warden(
        """query($id: ID!) { maintenanceCosts(first: 10, filter: {requestId: {eq: $id}}) {
        totalCount nodes { amount } } }""",
        {"id": req["id"]},
    )
    assert costs["data"]["maintenanceCosts"]["totalCount"] == 2  # the refusals wrote nothing


async def test_remaining_budget_never_goes_negative_without_an_override(client):
    """Property: for random amounts committed in random order by a supervisor, every accepted
    cost fits what remained, every refused one did not, and the slice ends between 0 and its
    amount (`random` is seeded per test by pytest-randomly: the seed in the header replays it)."""
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    total = Decimal(random.randint(1, 5000)) + Decimal(random.randint(0, 99)) / 100
    slice_id = await budget_slice(warden, issue, str(total))
    req = await request(supervisor, issue)
    remaining = total
    for _ in range(12):
        amount = (Decimal(random.randint(1, 200_000)) / 100).quantize(Decimal("0.01"))
        body = (
            await supervisor(
                COMMIT,
                {"input": {"maintenanceRequestId": req["id"], "amount": str(amount), "costType": "LABOUR"}},
            )
        )["data"]["maintenanceCostCommit"]
        if amount <= remaining:
            assert body["errors"] == [] and Decimal(body["maintenanceCost"]["remainingBefore"]) == remaining
            remaining -= amount
        else:
            assert [e["code"] for e in body["errors"]] == ["CONFLICT"]
    left = await warden(
        """query($id: ID!) { node(id: $id) { ... on CategoryBudget { amount committedAmount } } }""", {"id": slice_id}
    )
    node = left["data"]["node"]
    assert Decimal(node["amount"]) - Decimal(node["committedAmount"]) == remaining >= 0


async def test_two_costs_committed_at_once_never_both_take_the_last_of_the_budget(client):
    """The category budget's row is locked while a cost is weighed: of two commits racing for
    the same remainder, one fits and the other is refused."""
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    slice_id = await budget_slice(warden, issue, "1000.00")
    req = await request(supervisor, issue)
    commit = {"input": {"maintenanceRequestId": req["id"], "amount": "600.00", "costType": "LABOUR"}}
    bodies = await asyncio.gather(supervisor(COMMIT, commit), supervisor(COMMIT, commit))
    outcomes = sorted(tuple(e["code"] for e in b["data"]["maintenanceCostCommit"]["errors"]) for b in bodies)
    assert outcomes == [(), ("CONFLICT",)]
    left = await warden(
        """query($id: ID!) { node(id: $id) { ... on CategoryBudget { committedAmount } } }""", {"id": slice_id}
    )
    assert left["data"]["node"]["committedAmount"] == "600.00"


# ---- preventive maintenance, figures ----------------------------------------------------------------


async def test_a_schedule_opens_one_request_per_due_date_however_often_the_job_runs(client, db, app_url):
    from resolvers.maintenance import jobs

    warden = await as_user(client, WARDEN)
    issue = await issue_type(warden)
    today = hostel_today()
    created = await ok(
        warden,
        f"""mutation($input: MaintenanceScheduleCreateInput!) {{ maintenanceScheduleCreate(input: $input) {{
        maintenanceSchedule {{ id }} {ERR} }} }}""",
        {
            "input": {
                "title": unique("Tank"),
                "issueTypeId": issue,
                "frequency": "WEEKS",
                "intervalCount": 2,
                "nextDueOn": today.isoformat(),
                "estimatedCost": "300.00",
                "assignToUserId": await user_id(db, SUPERVISOR),
            }
        },
        "maintenanceScheduleCreate",
    )
    schedule = created["maintenanceSchedule"]["id"]
    hostel_id = await db.fetchval("SELECT id FROM hostels WHERE slug = $1", SUNRISE)
    async with tasks.opened(app_url):
        await jobs.run_schedules(hostel_id, today)
        await jobs.run_schedules(hostel_id, today)  # again: nothing more
        await jobs.run_maintenance_schedules(0)  # the periodic task, over every hostel: still nothing more
    seen = await warden(
        """query($id: ID!, $issue: ID!) {
        node(id: $id) { ... on MaintenanceSchedule { nextDueOn
          executions(first: 5) { nodes { dueOn status request { id } } } } }
        maintenanceRequests(first: 5, filter: {issueTypeId: {eq: $issue}}) {
          nodes { id source status dueOn assignedTo { email } } } }""",
        {"id": schedule, "issue": issue},
    )
    node = seen["data"]["node"]
    assert node["nextDueOn"] == (today + dt.timedelta(weeks=2)).isoformat()
    (execution,) = node["executions"]["nodes"]
    (opened,) = seen["data"]["maintenanceRequests"]["nodes"]
    assert execution == {"dueOn": today.isoformat(), "status": "CREATED", "request": {"id": opened["id"]}}
    assert (opened["source"], opened["status"], opened["assignedTo"]) == (
        "SCHEDULE",
        "ASSIGNED",
        {"email": SUPERVISOR},
    )


async def test_figures_are_computed_on_demand_from_the_requests_and_costs(client):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    await budget_slice(warden, issue, "5000.00")
    req = await request(supervisor, issue)
    await request(supervisor, issue)
    await ok(
        supervisor,
        COMMIT,
        {"input": {"maintenanceRequestId": req["id"], "amount": "750.25", "costType": "VENDOR"}},
        "maintenanceCostCommit",
    )
    today = hostel_today()
    compute = f"""mutation($input: MaintenanceFiguresComputeInput!) {{ maintenanceFiguresCompute(input: $input) {{
      maintenanceAnalytic {{ periodStart periodEnd requestsOpened totalCost computedAt }} {ERR} }} }}"""
    period = {"input": {"periodStart": today.replace(day=1).isoformat()}}
    forbidden(await supervisor(compute, period, expect_errors=True), "maintenanceFiguresCompute")
    analytic = (await ok(warden, compute, period, "maintenanceFiguresCompute"))["maintenanceAnalytic"]
    assert analytic["periodEnd"] == today.isoformat() and analytic["computedAt"]
    assert analytic["requestsOpened"] >= 2 and Decimal(analytic["totalCost"]) >= Decimal("750.25")
    figures = await warden(
        """query($issue: ID!, $start: Date!) {
        categoryPerformanceMetrics(first: 5, filter: {issueTypeId: {eq: $issue}, periodStart: {eq: $start}}) {
          nodes { requestsOpened totalCost } }
        expenseReports(first: 5, filter: {periodStart: {eq: $start}}) { nodes { vendorCost byCategory computedAt } } }""",
        {"issue": issue, "start": today.replace(day=1).isoformat()},
    )
    assert figures["data"]["categoryPerformanceMetrics"]["nodes"] == [{"requestsOpened": 2, "totalCost": "750.25"}]
    (report,) = [r for r in figures["data"]["expenseReports"]["nodes"]]
    assert Decimal(report["vendorCost"]) >= Decimal("750.25")
    await refused(
        warden,
        compute,
        {"input": {"periodStart": today.isoformat(), "periodEnd": (today + dt.timedelta(days=1)).isoformat()}},
        "maintenanceFiguresCompute",
        "INVALID",
    )


async def test_a_vendor_is_reviewed_once_per_period(client):
    warden = await as_user(client, WARDEN)
    c = await contract(warden, hostel_today() - dt.timedelta(days=90), hostel_today() + dt.timedelta(days=90))
    review = f"""mutation($input: VendorPerformanceReviewCreateInput!) {{ vendorPerformanceReviewCreate(input: $input) {{
      vendorPerformanceReview {{ overallRating jobsCompleted }} {ERR} }} }}"""
    end = hostel_today().replace(day=1) - dt.timedelta(days=1)
    data = {
        "vendorId": c["vendor"],
        "periodStart": end.replace(day=1).isoformat(),
        "periodEnd": end.isoformat(),
        "qualityRating": 4,
        "timelinessRating": 5,
        "costRating": 4,
    }
    made = (await ok(warden, review, {"input": data}, "vendorPerformanceReviewCreate"))["vendorPerformanceReview"]
    assert made == {"overallRating": "4.33", "jobsCompleted": 0}
    await refused(warden, review, {"input": data}, "vendorPerformanceReviewCreate", "CONFLICT")
    await refused(warden, review, {"input": {**data, "qualityRating": 6}}, "vendorPerformanceReviewCreate", "INVALID")


# ---- who sees what --------------------------------------------------------------------------------


async def test_a_resident_sees_only_the_requests_raised_for_them(client, db):
    warden = await as_user(client, WARDEN)
    resident = await as_user(client, "resident@sunrise.demo")
    issue = await issue_type(warden)
    student = await db.fetchval(
        "SELECT s.id FROM hostel_students s JOIN users u ON u.id = s.user_id WHERE u.email = 'resident@sunrise.demo'"
    )
    theirs = await request(warden, issue, studentId=encode_gid("HostelStudent", student))
    neighbour = await db.fetchval(
        "SELECT id FROM hostel_students WHERE hostel_id = (SELECT hostel_id FROM hostel_students WHERE id = $1) "
        "AND id <> $1 ORDER BY id LIMIT 1",
        student,
    )
    other = await request(warden, issue, studentId=encode_gid("HostelStudent", neighbour))  # another resident's
    mine = await resident(
        """query($issue: ID!) { maintenanceRequests(first: 10, filter: {issueTypeId: {eq: $issue}}) {
        nodes { id status statusHistory(first: 5) { nodes { toStatus } } } } }""",
        {"issue": issue},
        expect_errors=True,
    )
    assert [n["id"] for n in mine["data"]["maintenanceRequests"]["nodes"]] == [theirs["id"]]
    assert mine["data"]["maintenanceRequests"]["nodes"][0]["statusHistory"]["nodes"] == [{"toStatus": "OPEN"}]
    assert (await resident(GET, {"id": other["id"]}))["data"]["node"] is None
    for hidden in ("maintenanceCosts", "maintenanceAssignments", "vendorInvoices"):
        body = await resident(f"{{ {hidden}(first: 1) {{ totalCount }} }}", expect_errors=True)
        assert body["data"] is None or body["data"].get(hidden) is None, body
    forbidden(
        await resident(CREATE, {"input": {"issueTypeId": issue, "title": "mine"}}, expect_errors=True),
        "maintenanceRequestCreate",
    )


async def test_a_request_raised_from_a_complaint_follows_its_resident_and_room(client, db):
    """Staff turn a resident's complaint into work: the request takes the complaint's resident,
    room and text, and both sides show the link (the resident follows it from the complaint)."""
    warden = await as_user(client, WARDEN)
    resident = await as_user(client, "resident@sunrise.demo")
    issue = await issue_type(warden)
    filed = await resident(
        """mutation($i: ComplaintCreateInput!) { complaintCreate(input: $i) { complaint { id } errors { message } } }""",
        {"i": {"title": "Window latch broken", "description": "It will not close.", "category": "ROOM"}},
    )
    complaint = filed["data"]["complaintCreate"]["complaint"]["id"]
    raised = await request(warden, issue, complaintId=complaint)
    body = await warden(
        """query($id: ID!) { node(id: $id) { ... on MaintenanceRequest { source description
        complaint { id } student { id } } } }""",
        {"id": raised["id"]},
    )
    student = await db.fetchval(
        "SELECT s.id FROM hostel_students s JOIN users u ON u.id = s.user_id WHERE u.email = 'resident@sunrise.demo'"
    )
    assert body["data"]["node"] == {
        "source": "COMPLAINT",
        "description": "It will not close.",
        "complaint": {"id": complaint},
        "student": {"id": encode_gid("HostelStudent", student)},
    }
    theirs = await resident(
        """query($c: ID!) { node(id: $c) { ... on Complaint { maintenanceRequests(first: 5) {
        nodes { id status } } } } }""",
        {"c": complaint},
    )
    assert theirs["data"]["node"]["maintenanceRequests"]["nodes"] == [{"id": raised["id"], "status": "OPEN"}]
    # a complaint of another hostel is not found, and nothing is raised
    lotus = await as_user(client, "warden@lotus.demo")
    before = await db.fetchval("SELECT count(*) FROM maintenance_requests")
    other = await lotus(CREATE, {"input": {"issueTypeId": issue, "title": "x", "complaintId": complaint}})
    assert other["data"]["maintenanceRequestCreate"]["errors"][0]["code"] == "NOT_FOUND", other
    assert await db.fetchval("SELECT count(*) FROM maintenance_requests") == before


async def test_another_hostels_warden_cannot_see_or_move_a_request(client, db):
    warden = await as_user(client, WARDEN)
    lotus = await as_user(client, "warden@lotus.demo")
    issue = await issue_type(warden)
    req = await request(warden, issue)
    assert (await lotus(GET, {"id": req["id"]}))["data"]["node"] is None
    await refused(
        lotus,
        ASSIGN,
        {"input": {"maintenanceRequestId": req["id"], "assigneeId": await user_gid(db, "warden@lotus.demo")}},
        "maintenanceRequestAssign",
        "NOT_FOUND",
    )
    assert moves(await get(warden, req["id"])) == ["OPEN"]


# ---- dashboard and phone lists --------------------------------------------------------------------

BOARD = """query($n: Int!) { maintenanceRequests(first: $n, filter: {status: {in: [OPEN, PENDING_APPROVAL, APPROVED,
  ASSIGNED, IN_PROGRESS, COMPLETED]}}, orderBy: {field: DUE_ON, direction: ASC}) { totalCount nodes { requestNumber title status priority
  dueOn estimatedCost issueType { name } room { roomNumber } assignedTo { fullName } vendor { name } } } }"""
TODAY = """query($me: ID!, $day: Date!, $n: Int!) { maintenanceAssignments(first: $n,
  filter: {assignedToId: {eq: $me}, scheduledOn: {eq: $day}, status: {eq: ACTIVE}}) {
  nodes { scheduledOn notes request { requestNumber title status priority room { roomNumber floor }
    issueType { name } } } } }"""


async def test_the_wardens_board_and_the_supervisors_day_cost_the_same_statements_for_one_or_many(client, db):
    warden, supervisor = await as_user(client, WARDEN), await as_user(client, SUPERVISOR)
    issue = await issue_type(warden)
    me = await user_gid(db, SUPERVISOR)
    for _ in range(3):
        req = await request(warden, issue)
        await ok(
            warden, ASSIGN, {"input": {"maintenanceRequestId": req["id"], "assigneeId": me}}, "maintenanceRequestAssign"
        )
    one, many = await warden(BOARD, {"n": 1}), await warden(BOARD, {"n": 30})
    assert len(many["data"]["maintenanceRequests"]["nodes"]) >= 4
    assert warden.statements(one) == warden.statements(many)
    assigned = [n for n in many["data"]["maintenanceRequests"]["nodes"] if n["assignedTo"]]
    assert assigned and all(n["assignedTo"]["fullName"] for n in assigned)
    day = {"me": me, "day": hostel_today().isoformat()}
    one, many = await supervisor(TODAY, {**day, "n": 1}), await supervisor(TODAY, {**day, "n": 30})
    assert len(many["data"]["maintenanceAssignments"]["nodes"]) >= 3
    assert supervisor.statements(one) == supervisor.statements(many)


async def test_the_hourly_job_computes_the_month_to_date_of_every_hostel(client, app_url):
    from resolvers.maintenance import jobs

    warden = await as_user(client, WARDEN)
    start = hostel_today().replace(day=1).isoformat()
    query = """query($start: Date!) { maintenanceAnalytics(first: 5, filter: {periodStart: {eq: $start}},
      orderBy: {field: COMPUTED_AT, direction: DESC}) { nodes { periodEnd requestsOpened computedAt } } }"""
    before = (await warden(query, {"start": start}))["data"]["maintenanceAnalytics"]["nodes"]
    issue = await issue_type(warden)
    await request(warden, issue)
    async with tasks.opened(app_url):
        await jobs.compute_maintenance_figures(0)
    after = (await warden(query, {"start": start}))["data"]["maintenanceAnalytics"]["nodes"]
    month_to_date = [n for n in after if n["periodEnd"] == hostel_today().isoformat()]
    assert len(month_to_date) == 1  # replaced, not added
    # the demo data computed the month to date when it was loaded
    (previous,) = [n for n in before if n["periodEnd"] == hostel_today().isoformat()]
    assert month_to_date[0]["computedAt"] > previous["computedAt"]
    assert month_to_date[0]["requestsOpened"] >= previous["requestsOpened"] + 1
