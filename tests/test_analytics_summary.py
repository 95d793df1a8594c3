"""The week in recovery by email: every CX manager once on Monday, in their language and scope, after the facts
cover the whole week; a failed send is tried again, and a manager can turn it off."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from amends.analytics.models import Refresh, WeeklySummary
from amends.analytics.services import facts_refresh, summary_week, weekly_summaries_queue
from amends.analytics.stats import SERVQUAL_DIMENSIONS, SERVQUAL_ITEM_DIMENSION
from amends.analytics.tasks import weekly_summaries_task
from amends.core.enums import Role
from amends.core.services import user_create
from amends.customers.models import Customer
from amends.surveys.models import Invitation, ServqualAnswer, Survey

from .conftest import Mailbox, World
from .test_analytics import TODAY, history, refreshed  # noqa: F401 (the twelve weeks of test_analytics)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("refreshed")]


def _send_due() -> None:
    weekly_summaries_task.enqueue()
    weekly_summaries_task.enqueue()  # two sweeps at once send each summary once
    call_command("worker", burst=True)


def _html(message: Any) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _servqual_answers(world: World, count: int) -> None:
    """Amsterdam's guests, answering in week 46: responsiveness two points short, the rest as expected."""
    survey = Survey.objects.create(slug="sq", name="SERVQUAL", location=world.ams, instrument="servqual")
    customer = Customer.objects.create(external_id="sq-guest", language="en")
    answered = TODAY - timedelta(days=10)
    for n in range(count):
        invitation = Invitation.objects.create(
            survey=survey, customer=customer, nonce=f"n{n}", language="en", created_at=answered, expires_at=answered,
            answered_at=answered,
        )  # fmt: skip
        ServqualAnswer.objects.create(
            invitation=invitation, customer=customer, location=world.ams, language="en", answered_at=answered,
            expectations=[6] * 22, perceptions=[4 if d == "responsiveness" else 6 for d in SERVQUAL_ITEM_DIMENSION],
            importance=dict.fromkeys(SERVQUAL_DIMENSIONS, 20),
        )  # fmt: skip


def test_each_manager_gets_the_week_once_in_their_language_and_scope(world: World, smtp_server: Mailbox) -> None:
    user_create(username="berta", password="berta-pass-123", role=Role.SUPERVISOR, teams=[world.berlin],
                email="berta@example.com", language="nl")  # fmt: skip
    _servqual_answers(world, 2)
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        _send_due()
        _send_due()
    mails = {message["To"]: message for message in smtp_server.messages}
    assert sorted(mails) == ["admin@example.com", "berta@example.com", "bob@example.com"]  # no agents
    # Week 47: Amsterdam's spike of 20 cases and Berlin's 2, in 300 interactions.
    admin = mails["admin@example.com"]
    assert admin["Subject"] == "Week 47 in recovery: 22 cases, 73.3 per 1,000 interactions"
    text = admin.get_body(preferencelist=("plain",)).get_content()
    assert "Failures per 1,000 interactions: 73.3 \u25b2 (week before: 20.0)" in text
    assert "Cases: 22 \u25b2 (week before: 6)" in text
    assert "- Delivery: 16 (72.7 %)" in text
    assert "Failures at Hotel Amsterdam left their control limits" in text
    assert "- Largest gap: Responsiveness, -2.00 (experienced minus expected, 2 answers)" in text
    assert "http://127.0.0.1:8000/analytics/?since=2026-11-16&until=2026-11-22" in text
    assert 'title="worse"' in _html(admin) and "Hotel Amsterdam" in _html(admin)
    berta = mails["berta@example.com"]  # Berlin only, in Dutch, with Dutch numbers
    assert berta["Subject"] == "Week 47 in herstel: 2 zaken, 20,0 per 1.000 interacties"
    assert "Hotel Amsterdam" not in berta.get_body(preferencelist=("plain",)).get_content()
    assert "Geen SERVQUAL-antwoorden in deze weken." in _html(berta)
    assert mails["bob@example.com"]["Subject"].strip().startswith("Woche 47 in der Wiedergutmachung: 22 Fälle, 73,3")
    assert WeeklySummary.objects.filter(sent_at__isnull=False).count() == 3


def test_nothing_goes_out_before_the_facts_cover_the_week_nor_after_wednesday(world: World) -> None:
    Refresh.objects.update(finished_at=TODAY - timedelta(hours=10))  # Sunday evening: the week was not over
    with time_machine.travel(TODAY, tick=False):
        assert summary_week(TODAY) is None and weekly_summaries_queue() == []
    Refresh.objects.update(finished_at=TODAY)
    assert summary_week(TODAY + timedelta(days=2)) is not None
    assert summary_week(TODAY + timedelta(days=3)) is None


def test_a_failed_send_is_tried_again_later(world: World, smtp_server: Mailbox, settings: Any) -> None:
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nobody listens: the send fails and its claim is rolled back
    with time_machine.travel(TODAY, tick=False):
        _send_due()
    assert smtp_server.messages == [] and WeeklySummary.objects.filter(sent_at__isnull=True).count() == 2
    settings.EMAIL_PORT = port
    with time_machine.travel(TODAY + timedelta(minutes=5), tick=False):
        _send_due()  # too soon: it may still be on its way
    assert smtp_server.messages == []
    with time_machine.travel(TODAY + timedelta(minutes=20), tick=False):
        _send_due()
    assert sorted(message["To"] for message in smtp_server.messages) == ["admin@example.com", "bob@example.com"]


def test_a_manager_turns_it_off_under_the_dashboard(world: World, smtp_server: Mailbox) -> None:
    bob, alice = Client(), Client()
    bob.force_login(world.bob)
    alice.force_login(world.alice)
    assert 'id="weekly-summary"' in bob.get("/analytics/").content.decode()
    assert 'id="weekly-summary"' not in alice.get("/analytics/").content.decode()
    assert alice.post("/analytics/weekly-summary/", {"weekly_summary": "on"}).status_code == 403
    response = bob.post("/analytics/weekly-summary/", {})
    assert response.status_code == 302 and response["Location"] == "/analytics/#weekly-summary"
    world.bob.refresh_from_db()
    assert world.bob.weekly_summary is False
    with time_machine.travel(TODAY, tick=False):
        _send_due()
    assert [message["To"] for message in smtp_server.messages] == ["admin@example.com"]
