"""The one NinjaAPI: a router per app, bearer-token auth, error bodies with stable codes."""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI

from amends.analytics.api import router as analytics_router
from amends.cases.api import router as cases_router
from amends.compensation.api import router as compensation_router
from amends.core.api import router as locations_router
from amends.core.apikit import BearerToken, QueryParser, install_error_handlers
from amends.core.errors import NotFound
from amends.customers.api import router as interactions_router
from amends.followups.api import router as followups_router
from amends.incidents.api import router as incidents_router
from amends.intake.api import router as feedback_router
from amends.intake.at_risk_api import router as at_risk_router
from amends.intake.channels.webhook.api import router as webhook_router
from amends.intake.rules_api import router as rules_router
from amends.privacy.api import router as privacy_router
from amends.surveys.api import router as surveys_router

api = NinjaAPI(
    title="Amends API",
    version="1",
    description="Service recovery: feedback in, recovery cases out. See API.md for the conventions. "
    "Every error is `{code, message, field}`. Request bodies are JSON (else 415 unsupported_media_type) of at most "
    "2.5 MB (else 413 too_large); no text may contain the NUL character U+0000 (422 invalid_value); an unknown path "
    "is a 404 not_found, a method the path does not take a 405 method_not_allowed, and a database that cannot be "
    "reached a 503 service_unavailable with Retry-After.",
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=QueryParser(),
)
install_error_handlers(api)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    error = NotFound()
    return api.create_response(request, error.as_dict(), status=404)


for router in (
    locations_router,
    interactions_router,
    feedback_router,
    webhook_router,
    cases_router,
    compensation_router,
    followups_router,
    analytics_router,
    incidents_router,
    surveys_router,
    rules_router,
    at_risk_router,
    privacy_router,
):
    api.add_router("/v1", router)
