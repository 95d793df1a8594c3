"""Playbooks on the case (a checklist that guards resolving) and messages to the customer by real email."""

from typing import Any

import pytest
from django.core.management import call_command

from amends.cases.models import Case, CaseMessage, MessageTemplate, Playbook
from amends.intake.channels.email.services import email_receive

from .conftest import ApiClient, Mailbox, World, negative_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_api(world: World) -> ApiClient:
    return ApiClient(world.alice)


@pytest.fixture
def playbooks(db: None) -> None:
    Playbook.objects.create(name="General", guidance="Listen first.")
    Playbook.objects.create(
        name="Dirty room",
        category="",
        severity="medium",
        guidance="Offer another room at once; a free breakfast fits.",
        step_guidance={"fix": "Move the guest, then have the room cleaned."},
    )


def open_case(api: ApiClient, **overrides: Any) -> dict:
    case_id = api.post("/feedback", negative_survey(**overrides)).json()["case"]["id"]
    return api.get(f"/cases/{case_id}").json()


def test_the_most_specific_playbook_is_put_on_the_case(api: ApiClient, playbooks: None) -> None:
    case = open_case(api)  # NPS 3: medium severity
    assert case["severity"] == "medium"
    playbook = case["playbook"]
    assert playbook["name"] == "Dirty room"
    assert [step["step"] for step in playbook["steps"]] == ["acknowledge", "apologise", "confirm", "fix", "follow_up"]
    assert [step["required"] for step in playbook["steps"]] == [True, True, True, True, False]
    assert playbook["steps"][3]["guidance"] == "Move the guest, then have the room cleaned."


def test_a_playbook_saved_in_the_back_office_guides_the_next_case_at_once(api: ApiClient, world: World) -> None:
    from django.test import Client

    assert open_case(api, external_id="p1")["playbook"] is None  # remembered: no playbooks
    admin = Client()
    admin.force_login(world.admin)
    form = {"name": "General", "category": "", "severity": "", "guidance": "Listen.", "step_guidance": "{}",
            "required_steps": '["acknowledge"]', "is_active": "on"}  # fmt: skip
    assert admin.post("/admin/cases/playbook/add/", form).status_code == 302
    assert open_case(api, external_id="p2")["playbook"]["name"] == "General"


def test_an_agent_cannot_resolve_with_required_steps_open(
    agent_api: ApiClient, api: ApiClient, playbooks: None
) -> None:
    case = open_case(api)
    refused = agent_api.post(f"/cases/{case['id']}/resolve", {"category": "housekeeping", "resolution": "Cleaned"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "steps_open"
    for step in ("acknowledge", "apologise", "confirm", "fix"):
        assert agent_api.post(f"/cases/{case['id']}/playbook/{step}", {"done": True}).status_code == 200
    done = agent_api.post(f"/cases/{case['id']}/resolve", {"category": "housekeeping", "resolution": "Cleaned"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"


def test_a_supervisor_overrides_open_steps_only_with_a_reason(api: ApiClient, world: World, playbooks: None) -> None:
    case = open_case(api)
    supervisor = ApiClient(world.bob)
    body = {"category": "housekeeping", "resolution": "Guest left, refunded"}
    without = supervisor.post(f"/cases/{case['id']}/resolve", body)
    assert without.status_code == 400 and without.json()["field"] == "override_reason"
    overridden = supervisor.post(f"/cases/{case['id']}/resolve", {**body, "override_reason": "Guest checked out"})
    assert overridden.status_code == 200
    event = Case.objects.get(pk=case["id"]).events.get(kind="override")
    assert event.data == {"open_steps": ["acknowledge", "apologise", "confirm", "fix"], "reason": "Guest checked out"}


def test_an_unknown_step_is_refused(agent_api: ApiClient, api: ApiClient) -> None:
    case = open_case(api)
    assert agent_api.post(f"/cases/{case['id']}/playbook/dance", {"done": True}).status_code == 422


@pytest.mark.django_db(transaction=True)
def test_a_template_message_goes_out_in_the_customers_language_and_ticks_its_step(
    agent_api: ApiClient, api: ApiClient, smtp_server: Mailbox, settings: Any, playbooks: None
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    case = open_case(api)  # Anna de Vries writes Dutch
    call_command("worker", burst=True)
    smtp_server.messages.clear()
    response = agent_api.post(f"/cases/{case['id']}/messages", {"template": "apologise"}, **{"Idempotency-Key": "m-1"})
    assert response.status_code == 201, response.json()
    sent = response.json()
    assert (sent["language"], sent["to"], sent["status"]) == ("nl", "anna@example.com", "queued")
    assert sent["subject"] == "Onze excuses"
    assert sent["body"].startswith("Beste Anna de Vries,")
    again = agent_api.post(f"/cases/{case['id']}/messages", {"template": "apologise"}, **{"Idempotency-Key": "m-1"})
    assert again.json() == sent
    call_command("worker", burst=True)
    [email] = smtp_server.messages
    assert email["To"] == "anna@example.com"
    assert email["Subject"] == "Onze excuses"
    assert CaseMessage.objects.get().status == "sent"
    after = api.get(f"/cases/{case['id']}").json()
    assert after["first_response_at"] is not None
    assert after["status"] == "acknowledged"
    assert [step["done"] for step in after["playbook"]["steps"]][:2] == [False, True]


def test_a_business_template_replaces_the_built_in_wording(agent_api: ApiClient, api: ApiClient) -> None:
    MessageTemplate.objects.create(
        step="acknowledge", language="nl", subject="Zaak {case_id}", body="Hoi {customer_name}, {agent} hier. {oops}"
    )
    case = open_case(api)
    sent = agent_api.post(f"/cases/{case['id']}/messages", {"template": "acknowledge"}).json()
    assert sent["subject"] == f"Zaak #{case['id']}"
    assert sent["body"] == "Hoi Anna de Vries, alice hier. {oops}"


def test_a_message_needs_a_body_and_an_address(agent_api: ApiClient, api: ApiClient) -> None:
    case = open_case(api)
    empty = agent_api.post(f"/cases/{case['id']}/messages", {"body": "  "})
    assert empty.status_code == 400 and empty.json()["field"] == "body"
    nameless = open_case(api, customer={"external_id": "no-mail", "name": "Piet"})
    no_address = agent_api.post(f"/cases/{nameless['id']}/messages", {"body": "Hello"})
    assert no_address.status_code == 422 and no_address.json()["field"] == "to"


def test_the_customers_answer_to_our_message_threads_back_onto_the_case(
    agent_api: ApiClient, api: ApiClient, world: World
) -> None:
    case = open_case(api)
    sent = agent_api.post(f"/cases/{case['id']}/messages", {"template": "confirm"}).json()
    message_id = CaseMessage.objects.get(pk=sent["id"]).message_id
    reply = (
        "From: Anna <anna.private@example.org>\r\nTo: care@example.com\r\nSubject: Re: Hebben we u goed begrepen?\r\n"
        f"Message-ID: <answer-1@example.org>\r\nIn-Reply-To: {message_id}\r\nReferences: {message_id}\r\n"
        "Date: Mon, 16 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Ja, en de handdoeken waren ook vies.\r\n"
    ).encode()
    outcome = email_receive(reply, mailbox_location_code="ams")
    assert outcome.case_id == case["id"]
    assert api.get(f"/cases/{case['id']}").json()["contacts"] == 2
