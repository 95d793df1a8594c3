from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("recovery-paradox/", views.recovery_paradox_page, name="paradox"),
    path("servqual/", views.servqual_page, name="servqual"),
    path("people/", views.people_page, name="people"),
    path("weekly-summary/", views.summary_settings, name="summary_settings"),
    path("export/<str:table>.csv", views.export, name="export"),
]
