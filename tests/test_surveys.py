"""Post-contact surveys: invitations by email with single-use expiring links, answers that raise cases."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from amends.cases.models import Case
from amends.cases.services import case_resolve
from amends.customers.models import Customer
from amends.intake.models import Feedback
from amends.surveys.models import Invitation, Survey
from amends.surveys.rules import Refusal, invitation_refusal
from amends.surveys.services import invitation_create, survey_token
from amends.surveys.tasks import invitation_reminders_task

from .conftest import ApiClient, Mailbox, World, negative_survey

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def survey(world: World) -> Survey:
    return Survey.objects.create(slug="stay", name="After your stay", location=world.ams, asks_ces=True)


@pytest.fixture
def customer(db: None) -> Customer:
    return Customer.objects.create(external_id="guest-1", name="Lotte Visser", email="lotte@example.nl", language="nl")


def test_contact_frequency_rules() -> None:
    rules: dict[str, Any] = {"now": NOW, "min_days_between": 30, "during_open_case": False, "about_a_case": False}
    assert invitation_refusal(last_invited_at=None, has_open_case=False, **rules) is None
    assert (
        invitation_refusal(last_invited_at=NOW - timedelta(days=29), has_open_case=False, **rules) == Refusal.TOO_SOON
    )
    assert invitation_refusal(last_invited_at=NOW - timedelta(days=30), has_open_case=False, **rules) is None
    assert invitation_refusal(last_invited_at=None, has_open_case=True, **rules) == Refusal.OPEN_CASE
    assert invitation_refusal(last_invited_at=None, has_open_case=True, **rules | {"about_a_case": True}) is None


@pytest.mark.django_db(transaction=True)
def test_an_invitation_is_emailed_in_the_customers_language_with_a_working_link(
    api: ApiClient, survey: Survey, customer: Customer, smtp_server: Mailbox
) -> None:
    response = api.post("/surveys/invitations", {"customer": "guest-1", "survey": "stay"})
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    call_command("worker", burst=True)
    [message] = smtp_server.messages
    assert message["To"] == "lotte@example.nl"
    assert url in message.get_content()
    assert message["Subject"] != "How did we do?"  # Dutch
    page = Client().get(url.replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200
    assert '<html lang="nl">' in page.content.decode()


@pytest.mark.django_db
def test_a_negative_answer_opens_a_case_and_the_link_works_once(survey: Survey, customer: Customer) -> None:
    invitation = invitation_create(survey=survey, customer=customer)
    path = f"/s/{survey_token(invitation)}/"
    response = Client().post(path, {"nps": "2", "csat": "1", "text": "Koude kamer, geen excuses."})
    assert response.status_code == 200
    feedback = Feedback.objects.get()
    assert (feedback.nps, feedback.csat, feedback.channel, feedback.kind) == (2, 1, "survey", "survey")
    assert Case.objects.get().customer == customer
    again = Client().post(path, {"nps": "9"})
    assert again.status_code == 410
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_a_positive_answer_is_stored_without_a_case(survey: Survey, customer: Customer) -> None:
    invitation = invitation_create(survey=survey, customer=customer)
    Client().post(f"/s/{survey_token(invitation)}/", {"nps": "10", "csat": "5"})
    assert Feedback.objects.get().is_negative is False
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_survey_can_ask_how_likely_the_customer_buys_again(survey: Survey, customer: Customer) -> None:
    path = f"/s/{survey_token(invitation_create(survey=survey, customer=customer))}/"
    assert 'name="repurchase"' not in Client().get(path).content.decode()  # not asked unless the survey asks it
    Survey.objects.filter(pk=survey.pk).update(asks_repurchase=True)
    assert 'name="repurchase"' in Client().get(path).content.decode()
    assert Client().post(path, {"repurchase": "6"}).status_code == 422
    Client().post(path, {"nps": "9", "repurchase": "4"})
    assert (Feedback.objects.get().repurchase, Case.objects.exists()) == (4, False)


@pytest.mark.django_db
def test_an_empty_or_out_of_range_answer_shows_errors(survey: Survey, customer: Customer) -> None:
    path = f"/s/{survey_token(invitation_create(survey=survey, customer=customer))}/"
    assert Client().post(path, {}).status_code == 422
    assert Client().post(path, {"nps": "11"}).status_code == 422
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_a_forged_or_expired_link_is_refused(survey: Survey, customer: Customer) -> None:
    invitation = invitation_create(survey=survey, customer=customer)
    token = survey_token(invitation)
    assert Client().get(f"/s/{invitation.pk}-{'0' * 43}/").status_code == 404
    assert Client().get("/s/not-a-token/").status_code == 404
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        assert Client().get(f"/s/{token}/").status_code == 410


@pytest.mark.django_db
def test_a_customer_is_not_asked_twice_within_the_interval_nor_during_an_open_case(
    api: ApiClient, survey: Survey, customer: Customer, world: World
) -> None:
    assert api.post("/surveys/invitations", {"customer": "guest-1", "survey": "stay"}).status_code == 201
    again = api.post("/surveys/invitations", {"customer": "guest-1", "survey": "stay"})
    assert (again.status_code, again.json()["code"]) == (409, "contact_too_soon")
    case_id = api.post("/feedback", negative_survey("guest-2")).json()["case"]["id"]
    busy = api.post("/surveys/invitations", {"customer": "guest-2", "survey": "stay"})
    assert busy.json()["code"] == "open_case"
    about_it = api.post("/surveys/invitations", {"customer": "guest-2", "survey": "stay", "case": case_id})
    assert about_it.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"customer": "nobody", "survey": "stay"}, "unknown_customer"),
        ({"customer": "guest-1", "survey": "nope"}, "unknown_survey"),
        ({"customer": "guest-1", "survey": "stay", "interaction": "x"}, "unknown_interaction"),
        ({"customer": "guest-1", "survey": "stay", "colour": "red"}, "unknown_field"),
    ],
)
def test_bad_invitations_are_refused(api: ApiClient, survey: Survey, customer: Customer, body: dict, code: str) -> None:
    response = api.post("/surveys/invitations", body)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_reminder_goes_out_after_the_reminder_delay_and_never_twice(
    survey: Survey, customer: Customer, smtp_server: Mailbox
) -> None:
    with time_machine.travel(NOW, tick=False):
        invitation_create(survey=survey, customer=customer)
        call_command("worker", burst=True)
    assert len(smtp_server.messages) == 1
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert invitation_reminders_task.call() == 0
    with time_machine.travel(NOW + timedelta(days=3, minutes=1), tick=False):
        assert invitation_reminders_task.call() == 1
        assert invitation_reminders_task.call() == 0
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_an_answered_invitation_gets_no_reminder(survey: Survey, customer: Customer, smtp_server: Mailbox) -> None:
    with time_machine.travel(NOW, tick=False):
        invitation = invitation_create(survey=survey, customer=customer)
        call_command("worker", burst=True)
        Client().post(f"/s/{survey_token(invitation)}/", {"nps": "9"})
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        assert invitation_reminders_task.call() == 0


@pytest.mark.django_db
def test_a_case_closing_survey_is_allowed_while_the_case_is_resolved(
    api: ApiClient, survey: Survey, world: World
) -> None:
    case_id = api.post("/feedback", negative_survey("guest-3")).json()["case"]["id"]
    case_resolve(case=Case.objects.get(pk=case_id), category="other", resolution="Fixed", by=world.alice)
    response = api.post("/surveys/invitations", {"customer": "guest-3", "survey": "stay", "case": case_id})
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_a_survey_follows_each_stay_after_its_delay(api: ApiClient, world: World, smtp_server: Mailbox) -> None:
    Survey.objects.create(
        slug="after-stay", name="After your stay", location=world.ams, trigger="interaction", delay_hours=24
    )
    from amends.surveys.tasks import invitations_due_task

    with time_machine.travel(NOW, tick=False):
        body = {
            "external_id": "stay-1", "customer": {"external_id": "g-7", "email": "g7@example.nl", "language": "nl"},
            "location": "ams", "kind": "stay", "occurred_at": NOW.isoformat(), "attributes": {},
        }  # fmt: skip
        assert api.post("/interactions", body).status_code == 201
        call_command("worker", burst=True)
        invitation = Invitation.objects.get()
        assert invitation.interaction is not None and invitation.sent_at is None
        assert invitations_due_task.call() == 0
    with time_machine.travel(NOW + timedelta(hours=24, minutes=1), tick=False):
        assert invitations_due_task.call() == 1
        assert invitations_due_task.call() == 0
    assert [message["To"] for message in smtp_server.messages] == ["g7@example.nl"]
    assert invitation.expires_at - NOW == timedelta(days=14, hours=24)  # counted from sending


@pytest.mark.django_db
def test_resolving_a_case_asks_how_it_was_handled_unless_asked_recently(
    api: ApiClient, world: World, customer: Customer
) -> None:
    Survey.objects.create(slug="recovery", name="How did we do", location=world.ams, trigger="case_resolved")
    case_id = api.post("/feedback", negative_survey("guest-1")).json()["case"]["id"]
    case_resolve(case=Case.objects.get(pk=case_id), category="other", resolution="Fixed", by=world.alice)
    invitation = Invitation.objects.get()
    assert invitation.case_id == case_id and invitation.send_after is not None
    second = api.post("/feedback", negative_survey("guest-1", text="Opnieuw mis")).json()["case"]["id"]
    case_resolve(case=Case.objects.get(pk=second), category="other", resolution="Fixed again", by=world.alice)
    assert Invitation.objects.count() == 1  # asked within the interval: not again
