from django.urls import path

from . import views

app_name = "webform"
urlpatterns = [
    path("c/<slug:code>", views.complaint, name="complaint"),
    path("c/<slug:code>/", views.complaint),
    path("c/<slug:code>/thanks", views.complaint_thanks, name="thanks"),
]
