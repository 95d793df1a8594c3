"""An agent in a real browser (Debian's Chromium through Playwright): log in, open the inbox, resolve a case."""

from typing import Any

import pytest

from amends.cases.models import Case

from .conftest import SCREENSHOTS, ApiClient, World, negative_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_an_agent_logs_in_takes_a_case_and_resolves_it(page: Any, live_server: Any, world: World) -> None:
    api = ApiClient(world.admin)
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    api.post("/feedback", negative_survey(external_id="c2", kind="complaint", text="Ontbijt was koud."))

    log_in(page, live_server, "alice", "alice-pass-123")
    row = page.locator(f'tr[data-case="{case_id}"]')
    row.wait_for()
    countdown = row.locator("time.countdown")
    assert "left" in countdown.inner_text()  # the live countdown replaced the static due time
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=True)

    row.locator("a").click()
    page.wait_for_url(f"{live_server.url}/cases/{case_id}/")
    assert "De kamer was niet schoon" in page.inner_text("main")
    page.click("text=Take ownership")
    page.wait_for_selector("text=You own this case now.")

    page.fill("#id_body", "Called Anna; room re-cleaned within the hour.")
    page.click("text=Add note")
    page.wait_for_selector("text=Note added.")

    page.click("text=Resolve case")  # nothing chosen yet: the error shows next to the field
    page.wait_for_selector("#id_category-error")
    page.select_option("#id_category", "cleanliness")
    page.fill("#id_resolution", "Room re-cleaned and a dinner voucher offered.")
    page.click("text=Resolve case")
    page.wait_for_selector("text=Case resolved.")

    case = Case.objects.get(pk=case_id)
    assert (case.status, case.owner, case.category) == ("resolved", world.alice, "cleanliness")


def test_inbox_filters_update_the_list_without_a_page_load(page: Any, live_server: Any, world: World) -> None:
    api = ApiClient(world.admin)
    mild = api.post("/feedback", negative_survey(scores={"nps": 6}, text="")).json()["case"]["id"]
    severe = api.post("/feedback", negative_survey(external_id="c9", scores={"nps": 0})).json()["case"]["id"]
    log_in(page, live_server, "alice", "alice-pass-123")
    page.evaluate("window.__marker = 'same page'")
    page.select_option("#id_severity", "high")
    page.wait_for_selector(f'tr[data-case="{mild}"]', state="detached")
    assert page.locator(f'tr[data-case="{severe}"]').count() == 1
    assert page.evaluate("window.__marker") == "same page"  # HTMX swapped the list in place
    assert "severity=high" in page.url  # and the URL can be shared


def test_the_inbox_speaks_the_agents_language(page: Any, live_server: Any, world: World) -> None:
    world.bob.language = "de"
    world.bob.save()
    log_in(page, live_server, "bob", "bob-pass-123")
    assert page.locator("html").get_attribute("lang") == "de"
    assert "Recovery inbox" not in page.inner_text("main")


def test_an_agent_follows_the_playbook_messages_the_customer_and_waits_for_them(
    page: Any, live_server: Any, world: World
) -> None:
    from amends.cases.models import CaseMessage, Playbook

    Playbook.objects.create(
        name="Room not clean",
        guidance="Offer another room straight away; a free breakfast fits.",
        step_guidance={"fix": "Move the guest, then have the room cleaned."},
    )
    case_id = ApiClient(world.admin).post("/feedback", negative_survey()).json()["case"]["id"]
    log_in(page, live_server, "alice", "alice-pass-123")
    page.goto(f"{live_server.url}/cases/{case_id}/")
    page.click("text=Take ownership")
    page.wait_for_selector("text=You own this case now.")
    # The composer proposes the next open step (acknowledge) in the customer's language (Dutch).
    assert page.input_value("#id_message-template") == "acknowledge"
    assert page.input_value("#id_message-language") == "nl"
    page.click("text=Send by email")
    page.wait_for_selector("text=Message sent to the customer.")
    assert "We zijn ermee bezig" in page.inner_text("#messages")
    page.click("#playbook button:has-text('Apologise')")
    page.wait_for_selector("#playbook li.done >> nth=1")
    page.click("button[name=status][value=waiting_on_customer]")
    page.wait_for_selector("text=Stopped: waiting on the customer")
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)
    assert CaseMessage.objects.get(case_id=case_id).language == "nl"
    case = Case.objects.get(pk=case_id)
    assert (case.status, set(case.checklist)) == ("waiting_on_customer", {"acknowledge", "apologise"})


def test_the_inbox_keys_move_tick_and_bulk_assign(page: Any, live_server: Any, world: World) -> None:
    api = ApiClient(world.admin)
    ids = [api.post("/feedback", negative_survey(external_id=f"k{n}")).json()["case"]["id"] for n in range(3)]
    log_in(page, live_server, "alice", "alice-pass-123")
    page.locator(f'tr[data-case="{ids[0]}"]').wait_for()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("k")
    page.keyboard.press("x")
    assert page.locator("tr.selected").count() == 1
    assert page.locator("input[name=case]:checked").count() == 2
    page.click("#bulk button[type=submit]")
    page.wait_for_selector("text=2 case(s) assigned.")
    assert Case.objects.filter(owner=world.alice).count() == 2
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/cases/*/")
