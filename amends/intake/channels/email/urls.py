from django.urls import path

from . import views

app_name = "email_intake"
urlpatterns = [
    path("intake/email/upload/", views.eml_upload, name="upload"),
]
