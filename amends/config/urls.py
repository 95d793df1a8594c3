from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views import defaults

from amends.core.errors import DomainError, ErrorCode, NotFound
from amends.core.middleware import api_error, is_api

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("amends.intake.channels.webform.urls")),
    path("", include("amends.surveys.urls")),
    path("", include("amends.compensation.urls")),
    path("", include("amends.followups.urls")),
    path("", include("amends.intake.urls")),
    path("", include("amends.intake.channels.email.urls")),
    path("analytics/", include("amends.analytics.urls")),
    path("", include("amends.web.urls")),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Under /api/, an unknown path is the API's JSON 404; elsewhere Django's page."""
    if is_api(request):
        return api_error(NotFound(_("There is no such path in the API; see /api/openapi.json.")))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(DomainError(ErrorCode.SERVER_ERROR, _("Something went wrong on our side."), status=500))
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(DomainError(ErrorCode.INVALID_VALUE, _("The request cannot be read."), status=400))
    return defaults.bad_request(request, exception)


handler404 = not_found
handler500 = server_error
handler400 = bad_request
