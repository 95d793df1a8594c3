"""The Content-Security-Policy in a real browser: every main page works under it with no violation, and the API docs
render with nothing but our own server reachable."""

from typing import Any

import pytest
from django.test import Client

from amends.customers.models import Customer
from amends.incidents.models import Incident
from amends.surveys.models import Survey
from amends.surveys.services import invitation_create, survey_token

from .conftest import ApiClient, World, negative_survey
from .test_api_amends import offer
from .test_browser import log_in
from .test_web_incidents import FORM as INCIDENT_FORM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs; a page's violations are read before it is left.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


class ViolationLog:
    """Every CSP violation the browser reports for a page: its console messages and securitypolicyviolation events."""

    def __init__(self, page: Any):
        self.page = page
        self.found: list[str] = []
        page.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.found.append(f"{self.page.url}: {text}")

    def visit(self, url: str, *, ready: str = "body") -> None:
        self.page.goto(url)
        self.page.wait_for_selector(ready)
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        events = self.page.evaluate("window.__cspViolations || []")
        self.found.extend(f"{self.page.url}: {event}" for event in events)
        self.page.evaluate("window.__cspViolations = []")


@pytest.fixture
def pages_with_data(world: World) -> dict[str, str]:
    """A case with a live offer, an incident, a survey invitation: the paths of the pages that show them."""
    admin = ApiClient(world.admin)
    case_id = admin.post("/feedback", negative_survey()).json()["case"]["id"]
    assert admin.put("/authority-limits", {"role": "agent", "per_case": "200"}).status_code == 200
    made = offer(ApiClient(world.alice), case_id, "50", "80").json()
    supervisor = Client()
    supervisor.force_login(world.bob)
    assert supervisor.post("/incidents/declare/", INCIDENT_FORM).status_code == 302
    survey = Survey.objects.create(slug="stay", name="After your stay", location=world.ams, asks_ces=True)
    customer = Customer.objects.create(external_id="guest-1", email="lotte@example.nl", language="nl")
    return {
        "case": f"/cases/{case_id}/",
        "offer": made["choice_url"].removeprefix("http://127.0.0.1:8000"),
        "incident": f"/incidents/{Incident.objects.get().pk}/",
        "survey": f"/s/{survey_token(invitation_create(survey=survey, customer=customer))}/",
        "admin_case": f"/admin/cases/case/{case_id}/change/",
    }


def test_the_main_pages_work_under_the_content_security_policy_without_a_violation(
    page: Any, live_server: Any, world: World, pages_with_data: dict[str, str]
) -> None:
    log = ViolationLog(page)
    url = live_server.url
    for path in ("/c/ams", pages_with_data["offer"], pages_with_data["survey"], "/admin/login/"):
        log.visit(url + path)  # the customers' pages and the back office's door, without a login

    log_in(page, live_server, "bob", "bob-pass-123")
    log.collect()
    page.select_option("#id_severity", "high")  # HTMX swaps the list in place
    page.wait_for_load_state("networkidle")
    log.collect()
    log.visit(url + pages_with_data["case"], ready="#id_body")
    log.visit(url + "/analytics/", ready="main")
    log.visit(url + pages_with_data["incident"], ready="main")
    log.visit(url + "/locations/ams/", ready="img.poster-preview")
    page.select_option("#lang", "nl")  # the language menu saves itself when changed
    page.wait_for_selector("html[lang=nl]")
    log.collect()
    log.visit(url + "/admin/", ready="#content")
    log.visit(url + pages_with_data["admin_case"], ready="#content")
    log.visit(url + "/api/docs", ready=".opblock")

    assert log.found == []


def test_the_api_docs_render_their_operations_with_only_our_server_reachable(
    chromium: Any, live_server: Any, world: World
) -> None:
    context = chromium.new_context(locale="en-GB")
    requested_elsewhere: list[str] = []

    def only_our_server(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            requested_elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_our_server)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/api/docs")
        page.wait_for_selector(".opblock", timeout=15_000)
        assert page.locator(".opblock").count() > 20  # every operation of the API is listed
        assert "Amends API" in page.inner_text("body")
        assert requested_elsewhere == []
    finally:
        context.close()
