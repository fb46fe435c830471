"""node(id:), and create / update / deactivate of the first entities through HTTP."""

from __future__ import annotations

from kit.ids import encode_gid
from tests.conftest import make_schools, unique

CREATE_SCHOOL = """mutation($input: SchoolCreateInput!) { schoolCreate(input: $input) {
  school { id name schoolCode city active createdAt } errors { field code message } } }"""


async def test_node_fetches_by_global_id_and_null_when_missing(gql, db):
    [school] = await make_schools(db, unique("NODE"), 1, sessions_per_school=2)
    body = await gql(
        "query($id: ID!) { node(id: $id) { id __typename ... on School { schoolCode currentSession { name } } } }",
        {"id": school["gid"]},
    )
    assert body["data"]["node"] == {
        "id": school["gid"],
        "__typename": "School",
        "schoolCode": school["code"],
        "currentSession": {"name": "2021-22"},
    }
    missing = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": encode_gid("School", 987654321)})
    assert missing["data"]["node"] is None
    unknown_type = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": encode_gid("Nope", 1)})
    assert unknown_type["data"]["node"] is None
    bad = await gql('{ node(id: "%%%") { id } }', expect_errors=True)
    assert "is not a valid ID" in bad["errors"][0]["message"]


async def test_school_create_update_deactivate(gql):
    code = unique("MUT")
    created = await gql(CREATE_SCHOOL, {"input": {"name": "Hill View School", "schoolCode": code, "city": "Shimla"}})
    payload = created["data"]["schoolCreate"]
    assert payload["errors"] == []
    school = payload["school"]
    assert school["name"] == "Hill View School" and school["active"] is True
    assert school["createdAt"].endswith("Z")

    updated = await gql(
        """mutation($input: SchoolUpdateInput!) { schoolUpdate(input: $input) {
        school { name city board } errors { code } } }""",
        {"input": {"id": school["id"], "board": "CBSE", "city": None}},
    )
    assert updated["data"]["schoolUpdate"] == {
        "school": {"name": "Hill View School", "city": None, "board": "CBSE"},
        "errors": [],
    }

    gone = await gql(
        "mutation($id: ID!) { schoolDeactivate(input: {id: $id}) { school { active } errors { code } } }",
        {"id": school["id"]},
    )
    assert gone["data"]["schoolDeactivate"] == {"school": {"active": False}, "errors": []}
    # deactivated, not deleted: still readable
    again = await gql("query($id: ID!) { node(id: $id) { ... on School { active updatedAt } } }", {"id": school["id"]})
    assert again["data"]["node"]["active"] is False and again["data"]["node"]["updatedAt"].endswith("Z")


async def test_duplicate_code_is_a_conflict_and_changes_nothing(gql):
    code = unique("DUP")
    await gql(CREATE_SCHOOL, {"input": {"name": "First", "schoolCode": code}})
    body = await gql(CREATE_SCHOOL, {"input": {"name": "Second", "schoolCode": code}})
    assert body["data"]["schoolCreate"]["school"] is None
    assert body["data"]["schoolCreate"]["errors"] == [
        {"field": ["input", "schoolCode"], "code": "CONFLICT", "message": "Another School already has this schoolCode."}
    ]
    listed = await gql("query($c: String!) { schools(filter: {schoolCode: {eq: $c}}) { nodes { name } } }", {"c": code})
    assert listed["data"]["schools"]["nodes"] == [{"name": "First"}]


async def test_a_failed_mutation_rolls_back_only_itself(gql):
    code, other = unique("ONE"), unique("TWO")
    body = await gql(
        """mutation($a: SchoolCreateInput!, $b: SchoolCreateInput!, $c: SchoolCreateInput!) {
        a: schoolCreate(input: $a) { errors { code } } b: schoolCreate(input: $b) { errors { code } }
        c: schoolCreate(input: $c) { school { schoolCode } errors { code } } }""",
        {
            "a": {"name": "A", "schoolCode": code},
            "b": {"name": "B", "schoolCode": code},
            "c": {"name": "C", "schoolCode": other},
        },
    )
    assert body["data"]["b"]["errors"] == [{"code": "CONFLICT"}]
    assert body["data"]["c"]["school"] == {"schoolCode": other}
    listed = await gql(
        "query($a: String!, $c: String!) { schools(filter: {schoolCode: {in: [$a, $c]}}) { totalCount } }",
        {"a": code, "c": other},
    )
    assert listed["data"]["schools"]["totalCount"] == 2


async def test_update_of_unknown_id_is_not_found(gql):
    body = await gql(
        'mutation($id: ID!) { schoolUpdate(input: {id: $id, name: "x"}) { school { id } errors { field code } } }',
        {"id": encode_gid("School", 99999999)},
    )
    assert body["data"]["schoolUpdate"] == {"school": None, "errors": [{"field": ["input", "id"], "code": "NOT_FOUND"}]}
    wrong_type = await gql(
        'mutation($id: ID!) { schoolUpdate(input: {id: $id, name: "x"}) { errors { code message } } }',
        {"id": encode_gid("Hostel", 1)},
    )
    assert wrong_type["data"]["schoolUpdate"]["errors"][0]["code"] == "INVALID"


async def test_academic_session_is_stamped_with_the_tenant_and_dates_are_immutable(gql, db):
    [school] = await make_schools(db, unique("SES"), 1)
    create = """mutation($input: AcademicSessionCreateInput!) { academicSessionCreate(input: $input) {
        academicSession { id name startDate school { schoolCode } } errors { code message } } }"""
    no_tenant = await gql(create, {"input": {"name": "2030-31"}})
    assert no_tenant["data"]["academicSessionCreate"]["errors"][0]["code"] == "INVALID"

    body = await gql(
        create,
        {"input": {"name": "2030-31", "startDate": "2030-04-01", "endDate": "2031-03-31"}},
        headers={"X-Tenant-Id": school["gid"]},
    )
    session = body["data"]["academicSessionCreate"]["academicSession"]
    assert session["school"] == {"schoolCode": school["code"]} and session["startDate"] == "2030-04-01"
    update_fields = await gql('{ __type(name: "AcademicSessionUpdateInput") { inputFields { name } } }')
    names = {f["name"] for f in update_fields["data"]["__type"]["inputFields"]}
    assert "startDate" not in names and "endDate" not in names


async def test_hostel_money_and_times_round_trip_exactly(gql):
    slug = unique("hostel").lower()
    body = await gql(
        """mutation($input: HostelCreateInput!) { hostelCreate(input: $input) {
        hostel { slug hostelType startingPriceMonthly securityDeposit galleryUrls socialLinks checkInTime } errors { code message } } }""",
        {
            "input": {
                "name": "Test Hostel",
                "slug": slug,
                "hostelType": "CO_ED",
                "startingPriceMonthly": "7499.99",
                "securityDeposit": "100000000000.10",
                "galleryUrls": ["/a.jpg"],
                "socialLinks": {"x": "@t"},
                "checkInTime": "12:30:00",
            }
        },
    )
    hostel = body["data"]["hostelCreate"]["hostel"]
    assert hostel == {
        "slug": slug,
        "hostelType": "CO_ED",
        "startingPriceMonthly": "7499.99",
        "securityDeposit": "100000000000.10",
        "galleryUrls": ["/a.jpg"],
        "socialLinks": {"x": "@t"},
        "checkInTime": "12:30:00",
    }
    as_float = await gql.raw("""mutation { hostelCreate(input: {name: "F", slug: "f-float", hostelType: BOYS,
        startingPriceMonthly: 10.5}) { errors { code } } }""")
    assert as_float.status_code == 400
    assert "strings" in as_float.json()["errors"][0]["message"]
    negative = await gql(
        """mutation($s: String!) { hostelCreate(input: {name: "N", slug: $s, hostelType: BOYS,
        startingPriceMonthly: "-1"}) { hostel { slug } errors { code } } }""",
        {"s": unique("neg")},
    )
    assert negative["data"]["hostelCreate"] == {"hostel": None, "errors": [{"code": "INVALID"}]}


async def test_datetime_filters_need_a_time_zone(gql):
    naive = await gql.raw('{ schools(filter: {createdAt: {gte: "2026-01-01T00:00:00"}}) { totalCount } }')
    assert naive.status_code == 400 and "time zone" in naive.json()["errors"][0]["message"]
    aware = await gql("""{ all: schools { totalCount } since2000: schools(filter: {createdAt: {gte: "2000-01-01T00:00:00+05:30"}}) {
        totalCount } future: schools(filter: {createdAt: {gte: "2999-01-01T00:00:00+05:30"}}) { totalCount } }""")
    # every school was made after 2000 and none after 2999: the zoned bound really filters
    assert aware["data"]["since2000"]["totalCount"] == aware["data"]["all"]["totalCount"] > 0
    assert aware["data"]["future"]["totalCount"] == 0
