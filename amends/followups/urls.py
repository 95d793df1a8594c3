from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [path("f/<str:token>/", views.answer, name="answer")]
