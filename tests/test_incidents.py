"""Proactive incidents: a supervisor announces a known problem to the affected customers, each in their language,
with a preview first, updates to the same cohort, and no double send after a worker crash."""

from typing import Any

import pytest
from django.core.management import call_command

from amends.cases.models import Case
from amends.incidents.models import IncidentCase, IncidentNotice
from amends.incidents.services import notices_claim
from amends.incidents.tasks import incident_send_task

from .conftest import ApiClient, Mailbox, World, negative_survey

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [  # (customer, language, region, email)
    ("c-nl", "nl", "North", "anna@example.com"),
    ("c-de", "de", "North", "jonas@example.com"),
    ("c-fr", "fr", "North", "claire@example.com"),
    ("c-none", "nl", "North", ""),
    ("c-south", "nl", "South", "zuid@example.com"),
]
MESSAGE = {
    "en": "Your delivery is delayed\nDear {customer_name}, a storm delays deliveries ({incident}).",
    "nl": "Uw levering is vertraagd\nBeste {customer_name}, door een storm zijn leveringen vertraagd.",
    "de": "Ihre Lieferung verzögert sich\nHallo {customer_name}, ein Sturm verzögert die Lieferungen.",
}


@pytest.fixture
def bob(world: World) -> ApiClient:
    return ApiClient(world.bob)


@pytest.fixture
def deliveries(api: ApiClient) -> None:
    for n, (customer, language, region, email) in enumerate(PEOPLE):
        for k in range(2):  # two deliveries each: still one message per customer
            body = {
                "external_id": f"d-{n}-{k}",
                "customer": {"external_id": customer, "name": customer.upper(), "language": language, "email": email},
                "location": "ams",
                "kind": "delivery",
                "occurred_at": f"2026-11-2{k}T10:00:00+01:00",
                "attributes": {"region": region, "status": "delayed"},
            }
            assert api.post("/interactions", body).status_code == 201


def declare(client: ApiClient, **overrides: Any) -> Any:
    body = {
        "title": "Storm delays deliveries in region North",
        "cohort": {"location": "ams", "from": "2026-11-19T00:00:00Z", "attributes": {"region": "North"}},
        "message": MESSAGE,
    } | overrides
    return client.post("/incidents", body)


def test_a_supervisor_previews_then_announces_each_customer_in_their_language(
    bob: ApiClient, deliveries: None, smtp_server: Mailbox
) -> None:
    created = declare(bob)
    assert created.status_code == 201, created.json()
    incident = created.json()
    assert (incident["status"], incident["members"], incident["updates"]) == ("draft", 0, [])
    preview = bob.get(f"/incidents/{incident['id']}/preview").json()
    assert (preview["count"], preview["without_email"]) == (4, 1)
    assert preview["languages"] == {"nl": 2, "de": 1, "fr": 1}
    assert preview["missing_languages"] == ["fr"]
    assert sorted(c["external_id"] for c in preview["sample"]) == ["c-de", "c-fr", "c-nl", "c-none"]
    assert smtp_server.messages == []  # a preview sends nothing

    sent = bob.post(f"/incidents/{incident['id']}/send", {})
    assert sent.status_code == 202
    progress = sent.json()["updates"][0]["progress"]
    assert (progress["recipients"], progress["queued"], progress["no_address"]) == (4, 3, 1)
    assert bob.post(f"/incidents/{incident['id']}/send", {}).json()["updates"] == sent.json()["updates"]
    call_command("worker", burst=True)
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert sorted(by_address) == ["anna@example.com", "claire@example.com", "jonas@example.com"]
    assert by_address["anna@example.com"]["Subject"] == "Uw levering is vertraagd"
    assert "Beste C-NL," in by_address["anna@example.com"].get_content()
    assert by_address["jonas@example.com"]["Subject"] == "Ihre Lieferung verzögert sich"
    assert by_address["claire@example.com"]["Subject"] == "Your delivery is delayed"  # no French: English
    assert "(Storm delays deliveries in region North)" in by_address["claire@example.com"].get_content()
    done = bob.get(f"/incidents/{incident['id']}").json()
    assert done["status"] == "announced" and done["members"] == 4
    assert done["updates"][0]["progress"] | {"recipients": 0} == {
        "recipients": 0, "queued": 0, "sending": 0, "sent": 3, "failed": 0, "no_address": 1
    }  # fmt: skip

    smtp_server.messages.clear()
    update = bob.post(f"/incidents/{incident['id']}/updates", {"message": {"en": "Resolved\nAll delivered."},
                                                               "resolved": True})  # fmt: skip
    assert update.status_code == 202 and update.json()["kind"] == "resolution"
    call_command("worker", burst=True)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(by_address)  # the same cohort
    assert bob.get(f"/incidents/{incident['id']}").json()["status"] == "resolved"
    again = bob.post(f"/incidents/{incident['id']}/updates", {"message": {"en": "More"}})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_a_crashed_worker_never_causes_a_second_message(bob: ApiClient, deliveries: None, smtp_server: Mailbox) -> None:
    incident = declare(bob).json()
    update_id = bob.post(f"/incidents/{incident['id']}/send", {}).json()["updates"][0]["id"]
    crashed = notices_claim(update_id, size=2)  # a worker took two notices, then died before sending them
    assert len(crashed) == 2
    assert incident_send_task.call(update_id) == 1  # the rerun sends the rest
    assert incident_send_task.call(update_id) == 0  # and again nothing
    assert len(smtp_server.messages) == 1
    statuses = sorted(IncidentNotice.objects.values_list("status", flat=True))
    assert statuses == ["no_address", "sending", "sending", "sent"]
    progress = bob.get(f"/incidents/{incident['id']}").json()["updates"][0]["progress"]
    assert (progress["sending"], progress["sent"]) == (2, 1)  # visible, for someone to check by hand


def test_a_customer_of_the_incident_who_complains_is_attached_and_sees_it_on_their_360(
    bob: ApiClient, api: ApiClient, deliveries: None, smtp_server: Mailbox
) -> None:
    incident = declare(bob).json()
    bob.post(f"/incidents/{incident['id']}/send", {})
    call_command("worker", burst=True)
    case_id = api.post("/feedback", negative_survey("c-nl")).json()["case"]["id"]
    other = api.post("/feedback", negative_survey("c-south")).json()["case"]["id"]
    call_command("worker", burst=True)
    assert list(IncidentCase.objects.values_list("case_id", flat=True)) == [case_id]
    assert bob.get(f"/incidents/{incident['id']}").json()["cases"] == [case_id]
    assert Case.objects.get(pk=case_id).events.filter(kind="incident_linked").count() == 1
    assert not Case.objects.get(pk=other).events.filter(kind="incident_linked").exists()
    view = api.get("/customers/c-nl").json()
    assert view["counts"]["incidents"] == 1
    assert any(item["kind"] == "incident" and "Storm" in item["title"] for item in view["timeline"])


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"title": " "}, "missing_field", "title"),
        ({"cohort": {}}, "missing_field", "cohort"),
        ({"cohort": {"location": "nowhere"}}, "unknown_location", "cohort.location"),
        (
            {"cohort": {"location": "ams", "from": "2026-11-20T00:00:00Z", "to": "2026-11-19T00:00:00Z"}},
            "invalid_value",
            "cohort.to",
        ),
        ({"cohort": {"attributes": {"region; drop": "x"}}}, "invalid_value", "cohort.attributes"),
        ({"message": {}}, "missing_field", "message"),
        ({"message": {"xx": "Hello"}}, "invalid_value", "message.xx"),
        ({"message": {"en": "  "}}, "missing_field", "message.en"),
        ({"colour": "red"}, "unknown_field", "colour"),
    ],
)
def test_bad_incidents_are_refused(bob: ApiClient, overrides: dict, code: str, field: str) -> None:
    response = declare(bob, **overrides)
    assert response.status_code == (422 if code == "unknown_field" else 400), response.json()
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_only_supervisors_announce(world: World) -> None:
    response = declare(ApiClient(world.alice))
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
