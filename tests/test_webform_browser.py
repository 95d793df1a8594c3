"""A customer on a phone scans the poster, fills in the complaint form and sees the thank-you page."""

import io
import re
from typing import Any

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from amends.cases.models import Case
from amends.intake.channels.webform import spam
from amends.intake.models import FeedbackAttachment

from .conftest import SCREENSHOTS, World
from .test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def private_media_and_fresh_limits(settings: Any, tmp_path: Any, monkeypatch: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(spam, "MIN_FILL_SECONDS", 0)  # a test types faster than a person
    cache.clear()
    yield
    cache.clear()


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_customer_complains_from_a_phone_and_the_agent_sees_the_photo(
    phone_page: Any, chromium: Any, live_server: Any, world: World
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/c/ams")
    assert page.locator("html").get_attribute("lang") == "de"  # the phone's language
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "webform-phone.png"), full_page=True)

    page.click("button[type=submit]")  # nothing filled in: the errors show next to the fields, in German
    page.wait_for_selector("#id_text_error")
    assert "Dieses Feld ist zwingend erforderlich." in page.inner_text("#id_text_error")
    page.screenshot(path=str(SCREENSHOTS / "webform-phone-errors.png"), full_page=True)

    page.click("a[hreflang=en]")  # the customer prefers English
    page.wait_for_url(re.compile(r"/c/ams\?lang=en$"))
    page.fill("#id_text", "The room was not cleaned and the bathroom light is broken.")
    page.click("label[for=id_csat_0]")  # very unhappy
    page.fill("#id_name", "Jamie Walker")
    page.fill("#id_email", "jamie@example.com")
    page.set_input_files("#id_photo", files=[{"name": "room.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/c/ams/thanks\?"))
    case = Case.objects.get()
    assert "We have received your message and will get back to you soon." in page.inner_text("main")
    assert f"#{case.pk}" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "webform-thanks.png"), full_page=True)
    assert (case.customer.email, case.location) == ("jamie@example.com", world.ams)
    assert FeedbackAttachment.objects.get().content_type == "image/jpeg"

    agent = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 800}).new_page()
    log_in(agent, live_server, "alice", "alice-pass-123")
    agent.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(agent.locator(".attachments img")).to_have_js_property("naturalWidth", 320)  # the photo loads
    assert "jamie@example.com" in agent.inner_text("main")
    agent.screenshot(path=str(SCREENSHOTS / "webform-case.png"), full_page=True)


def test_staff_see_the_location_with_its_poster(page: Any, live_server: Any, world: World) -> None:
    log_in(page, live_server, "alice", "alice-pass-123")
    page.click("nav >> text=Locations")
    page.click("text=Hotel Amsterdam")
    page.wait_for_url(f"{live_server.url}/locations/ams/")
    assert "/c/ams" in page.inner_text("main")  # the public form's address
    expect(page.locator("img.poster-preview")).not_to_have_js_property("naturalWidth", 0)
    page.screenshot(path=str(SCREENSHOTS / "location.png"), full_page=True)
