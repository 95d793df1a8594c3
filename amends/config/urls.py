from django.contrib import admin
from django.urls import include, path

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
