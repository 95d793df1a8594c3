"""Team walls on every path (issue 17, D1, D2, D5): who may post intake where, who may change a known customer's
contact details, intake answers that never show another team's case, incidents and survey invitations over the API.
"""

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from amends.cases.models import Case
from amends.core.models import Location, User
from amends.core.services import integration_account_ensure, location_create
from amends.customers.models import Customer, Interaction
from amends.intake.channels.email.services import email_receive
from amends.intake.models import Feedback
from amends.surveys.models import Invitation, Survey

from .conftest import ApiClient, Mailbox, World, negative_survey

pytestmark = pytest.mark.django_db

ANNA = {"external_id": "cust-1", "name": "Anna de Vries", "email": "anna@example.com", "phone": "+31 20 555 0101"}
STRANGER = {"external_id": "cust-1", "name": "Hijacked", "email": "attacker@evil.example", "phone": "+000"}


def interaction(external_id: str, customer: dict[str, Any], location: str = "ams") -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer": customer,
        "location": location,
        "kind": "stay",
        "occurred_at": "2026-12-02T10:00:00Z",
        "attributes": {"region": "North"},
    }


@pytest.fixture
def anna(world: World) -> Customer:
    """A customer Amsterdam served, with her own contact details."""
    customer = Customer.objects.create(language="nl", **ANNA)
    Interaction.objects.create(
        external_id="stay-0", customer=customer, location=world.ams, kind="stay",
        occurred_at=datetime(2026, 12, 1, tzinfo=UTC), attributes={"region": "North"},
    )  # fmt: skip
    return customer


@pytest.fixture
def oth(world: World) -> Location:
    """A location of Charlie's own team."""
    return location_create(code="oth", name="Night desk", country="NL", timezone_name="UTC", team=world.other)


def refusal(answer: Any) -> tuple[int, str, str | None]:
    body = answer.json()
    return answer.status_code, body["code"], body["field"]


def contact_of(customer: Customer) -> tuple[str, str, str]:
    customer.refresh_from_db()
    return customer.name, customer.email, customer.phone


# --- Who may post where ---------------------------------------------------------------------------------------------


def test_another_teams_agent_gets_403_location_forbidden_on_every_intake_endpoint_and_changes_nothing(
    world: World, anna: Customer
) -> None:
    charlie = ApiClient(world.charlie)
    single = [
        charlie.post("/interactions", interaction("hijack-1", STRANGER)),
        charlie.post("/feedback", negative_survey(customer=STRANGER)),
    ]
    for answer in single:
        assert refusal(answer) == (403, "location_forbidden", "location")
    batches = [
        charlie.post("/interactions/batch", {"items": [interaction("hijack-2", STRANGER)]}),
        charlie.post("/feedback/batch", {"items": [negative_survey(customer=STRANGER)]}),
    ]
    for answer in batches:
        [item] = answer.json()["items"]
        assert (item["status"], item["error"]["code"], item["error"]["field"]) == (
            403,
            "location_forbidden",
            "location",
        )
    assert contact_of(anna) == ("Anna de Vries", "anna@example.com", "+31 20 555 0101")
    assert not Feedback.objects.exists() and not Case.objects.exists()
    assert list(Interaction.objects.values_list("external_id", flat=True)) == ["stay-0"]


def test_a_caller_posts_at_their_teams_locations_and_a_batch_refuses_only_the_items_elsewhere(
    world: World, oth: Location
) -> None:
    charlie, alice, bob = ApiClient(world.charlie), ApiClient(world.alice), ApiClient(world.bob)
    feedback = charlie.post(
        "/feedback/batch",
        {"items": [negative_survey("c-1", location="ams"), negative_survey("c-2", location="oth")]},
    ).json()
    assert [item["status"] for item in feedback["items"]] == [403, 201]
    interactions = charlie.post(
        "/interactions/batch",
        {"items": [interaction("i-1", {"external_id": "c-3"}, "oth"), interaction("i-2", {"external_id": "c-3"})]},
    ).json()
    assert [item["status"] for item in interactions["items"]] == [201, 403]
    assert alice.post("/feedback", negative_survey("c-4", location="ber")).status_code == 403  # Berlin is not hers
    assert bob.post("/feedback", negative_survey("c-4", location="ber")).status_code == 201  # he supervises Berlin
    assert ApiClient(world.admin).post("/feedback", negative_survey("c-5", location="oth")).status_code == 201


# --- Who may change a known customer's contact details --------------------------------------------------------------


def test_an_agent_cannot_change_a_known_customers_contact_details_and_what_they_gave_is_kept_aside(
    world: World, anna: Customer
) -> None:
    alice = ApiClient(world.alice)
    given = {"name": "Hijacked", "email": "attacker@evil.example", "phone": "+000"}
    assert alice.post("/feedback", negative_survey(customer=STRANGER)).status_code == 201
    batch = alice.post("/feedback/batch", {"items": [negative_survey(customer=STRANGER, scores={"nps": 9})]})
    assert batch.json()["created"] == 1
    recorded = alice.post("/interactions", interaction("stay-1", STRANGER))
    assert recorded.status_code == 201
    assert recorded.json()["attributes"] == {"region": "North", "contact_given": given}
    assert alice.post("/interactions/batch", {"items": [interaction("stay-2", STRANGER)]}).json()["created"] == 1
    assert contact_of(anna) == ("Anna de Vries", "anna@example.com", "+31 20 555 0101")
    assert [f.attributes["contact_given"] for f in Feedback.objects.order_by("id")] == [given, given]
    assert Interaction.objects.get(external_id="stay-2").attributes["contact_given"] == given


def test_an_agent_fills_in_what_the_customer_record_lacks_and_creates_new_customers_as_given(
    world: World, anna: Customer
) -> None:
    Customer.objects.filter(pk=anna.pk).update(phone="")
    alice = ApiClient(world.alice)
    alice.post("/feedback", negative_survey(customer={"external_id": "cust-1", "phone": "+31 6 1234 5678"}))
    assert contact_of(anna) == ("Anna de Vries", "anna@example.com", "+31 6 1234 5678")
    assert "contact_given" not in Feedback.objects.get().attributes
    alice.post("/feedback/batch", {"items": [negative_survey("new-1"), negative_survey("new-1", text="Again")]})
    new = Customer.objects.get(external_id="new-1")
    assert (new.name, new.email, new.language) == ("Anna de Vries", "anna@example.com", "nl")


@pytest.mark.parametrize("who", ["admin", "integration"])
def test_admins_and_integration_accounts_update_a_known_customers_contact_details_everywhere(
    world: World, anna: Customer, who: str
) -> None:
    client = ApiClient(world.admin if who == "admin" else integration_account_ensure("shop-system"))
    moved = {"external_id": "cust-1", "email": "anna.new@example.com", "phone": "+31 6 0000 0000"}
    assert client.post("/feedback", negative_survey(customer=moved, location="ber")).status_code == 201
    assert contact_of(anna) == ("Anna de Vries", "anna.new@example.com", "+31 6 0000 0000")
    renamed = client.post("/interactions", interaction("stay-1", {"external_id": "cust-1", "name": "Anna Visser"}))
    assert renamed.status_code == 201 and "contact_given" not in renamed.json()["attributes"]
    assert contact_of(anna)[0] == "Anna Visser"
    assert "contact_given" not in Feedback.objects.get().attributes


def test_an_email_cannot_rename_a_known_customer(world: World) -> None:
    Customer.objects.create(external_id="email:anna@example.com", name="Anna de Vries", email="anna@example.com")
    raw = (
        b"From: Somebody Else <anna@example.com>\r\nTo: care@hotel.example\r\nSubject: Cold room\r\n"
        b"Message-ID: <m-1@example.com>\r\nDate: Mon, 03 Mar 2025 10:00:00 +0100\r\n\r\nThe room was cold.\r\n"
    )
    email_receive(raw, mailbox_location_code="ams")
    customer = Customer.objects.get(external_id="email:anna@example.com")
    assert customer.name == "Anna de Vries"
    assert Feedback.objects.get().attributes["contact_given"] == {"name": "Somebody Else"}


def test_a_csv_import_run_by_the_system_updates_a_known_customers_contact_details(
    world: World, anna: Customer, tmp_path: Path
) -> None:
    from .test_import_feedback import row, run_import, write_csv

    run_import("feedback", str(write_csv(tmp_path / "moved.csv", [row(customer_email="anna.new@example.com")])))
    assert contact_of(anna) == ("Anna de Vries", "anna.new@example.com", "+31 20 555 0101")


# --- Answers never show another team's case -------------------------------------------------------------------------


def test_feedback_that_joins_another_teams_open_case_answers_case_null(world: World, api: ApiClient) -> None:
    berlins = api.post("/feedback", negative_survey(location="ber")).json()["case"]["id"]
    assert Case.objects.get(pk=berlins).team == world.berlin
    alice = ApiClient(world.alice)
    single = alice.post("/feedback", negative_survey(text="Nobody called me back."))
    assert single.status_code == 201 and single.json()["case"] is None
    batch = alice.post("/feedback/batch", {"items": [negative_survey(text="Still nothing.")]}).json()
    assert batch["items"][0]["result"]["case"] is None
    assert Case.objects.count() == 1  # the posts joined Berlin's case; they were only not told about it
    assert alice.get(f"/feedback/{single.json()['id']}").json()["case"] is None  # nor when reading it back
    timeline = alice.get("/customers/cust-1").json()["timeline"]
    assert [item["case"] for item in timeline if item["kind"] == "feedback"] == [None, None]
    assert ApiClient(world.bob).post("/feedback", negative_survey()).json()["case"]["id"] == berlins  # bob sees it


@pytest.mark.django_db(transaction=True)
def test_after_an_agent_gave_another_address_the_offer_email_still_goes_to_the_customer(
    world: World, api: ApiClient, smtp_server: Mailbox, settings: Any
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    assert api.put("/authority-limits", {"role": "agent", "per_case": "200"}).status_code == 200
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]  # Anna, anna@example.com
    alice = ApiClient(world.alice)
    assert alice.post("/feedback", negative_survey(customer=STRANGER, text="Call me here.")).status_code == 201
    call_command("worker", burst=True)
    smtp_server.messages.clear()
    body = {"alternatives": [{"type": "refund", "amount": "50", "currency": "EUR"}], "reason": "Room not cleaned"}
    made = alice.post(f"/cases/{case_id}/offers", body).json()
    assert made["status"] == "offered"
    call_command("worker", burst=True)
    assert [message["To"] for message in smtp_server.messages] == ["anna@example.com"]
    assert made["choice_url"] in smtp_server.messages[0].get_body().get_content()


# --- The integration account ----------------------------------------------------------------------------------------


def test_the_token_command_makes_an_integration_account_that_posts_everywhere_and_sees_no_case(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("api_token", "create", "--integration", "survey-tool", "--name", "survey tool")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    call_command("api_token", "create", "--integration", "survey-tool", stderr=io.StringIO())  # reused, second token
    account = User.objects.get(username="survey-tool")
    assert account.role_names == {"integration"} and account.api_tokens.count() == 2
    assert not account.teams.exists() and not account.has_usable_password() and not account.is_staff
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    posted = client.post("/api/v1/feedback", negative_survey(location="ber"), content_type="application/json")
    assert posted.status_code == 201 and posted.json()["case"] is None
    case = Case.objects.get()
    assert client.get("/api/v1/cases").json()["items"] == []
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
    with pytest.raises(CommandError, match="person's account"):
        call_command("api_token", "create", "--integration", "alice")


# --- Incidents over the API: the scope of the incident pages --------------------------------------------------------


def test_incidents_over_the_api_answer_as_the_incident_pages_do(world: World, anna: Customer) -> None:
    cohort = {"location": "ams", "attributes": {"region": "North"}}
    body = {"title": "Storm", "cohort": cohort, "message": {"en": "Delayed\nDear {customer_name}, sorry."}}
    incident = ApiClient(world.bob).post("/incidents", body).json()["id"]
    for user, expected in ((world.alice, 403), (world.charlie, 403), (world.bob, 200)):
        page = Client()
        page.force_login(user)
        client = ApiClient(user)
        for path in (f"/incidents/{incident}", f"/incidents/{incident}/preview"):
            answer = client.get(path)
            assert answer.status_code == page.get(f"/incidents/{incident}/").status_code == expected, (user, path)
            if expected == 403:
                assert answer.json()["code"] == "forbidden" and "Anna" not in answer.content.decode()
        assert client.get("/incidents/999999").status_code == page.get("/incidents/999999/").status_code
    assert ApiClient(world.bob).get(f"/incidents/{incident}/preview").json()["sample"][0]["name"] == "Anna de Vries"


# --- Survey invitations: only customers the caller may see ----------------------------------------------------------


def test_another_teams_agent_cannot_invite_our_customer_nor_tell_them_from_an_unknown_one(
    world: World, api: ApiClient, oth: Location
) -> None:
    Survey.objects.create(slug="stay", name="After your stay", location=world.ams)
    Survey.objects.create(slug="night", name="Night desk", location=oth)
    api.post("/feedback", negative_survey("busy"))  # an Amsterdam customer with an open case
    for external_id in ("quiet", "integrated", "administered"):  # Amsterdam customers without a case
        api.post("/interactions", interaction(f"stay-{external_id}", {"external_id": external_id, "email": "q@x.nl"}))
    charlie = ApiClient(world.charlie)
    answers = [charlie.post("/surveys/invitations", {"customer": c, "survey": "night"}) for c in ("busy", "quiet")]
    unknown = charlie.post("/surveys/invitations", {"customer": "nobody", "survey": "night"})
    for answer in answers:
        assert (answer.status_code, answer.json()) == (unknown.status_code, unknown.json())
    assert (unknown.status_code, unknown.json()["code"], unknown.json()["field"]) == (
        422,
        "unknown_customer",
        "customer",
    )
    at_ours = charlie.post("/surveys/invitations", {"customer": "quiet", "survey": "stay"})
    assert (at_ours.status_code, at_ours.json()["code"], at_ours.json()["field"]) == (
        403,
        "location_forbidden",
        "survey",
    )
    assert not Invitation.objects.exists()

    alice = ApiClient(world.alice)
    assert alice.post("/surveys/invitations", {"customer": "busy", "survey": "stay"}).json()["code"] == "open_case"
    assert alice.post("/surveys/invitations", {"customer": "quiet", "survey": "stay"}).status_code == 201
    assert alice.post("/surveys/invitations", {"customer": "nobody", "survey": "stay"}).json() == unknown.json()
    integration = ApiClient(integration_account_ensure("survey-tool"))
    assert integration.post("/surveys/invitations", {"customer": "integrated", "survey": "night"}).status_code == 201
    assert api.post("/surveys/invitations", {"customer": "administered", "survey": "night"}).status_code == 201


# --- Locations ------------------------------------------------------------------------------------------------------


def test_the_locations_list_shows_a_caller_only_their_teams_locations(world: World, oth: Location) -> None:
    def codes(user: User) -> set[str]:
        return {item["code"] for item in ApiClient(user).get("/locations").json()["items"]}

    assert codes(world.charlie) == {"oth"}
    assert codes(world.alice) == {"ams"}
    assert codes(world.bob) == {"ams", "ber"}
    assert codes(world.admin) == {"ams", "ber", "oth"}
    assert codes(integration_account_ensure("pms")) == {"ams", "ber", "oth"}


def test_a_supervisor_adds_locations_only_to_their_own_teams(world: World) -> None:
    bob = ApiClient(world.bob)
    body = {"code": "night-2", "name": "Night desk 2", "country": "NL", "timezone": "UTC"}
    assert refusal(bob.post("/locations", {**body, "team": "other"})) == (403, "forbidden", "team")
    assert refusal(bob.post("/locations", body)) == (403, "forbidden", "team")
    assert bob.post("/locations", {**body, "team": "berlin"}).status_code == 201
    assert ApiClient(world.admin).post("/locations", {**body, "code": "night-3"}).status_code == 201
    assert not Location.objects.filter(team=world.other, code__startswith="night").exists()
