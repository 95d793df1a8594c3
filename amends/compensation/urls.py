from django.urls import path

from . import views

app_name = "compensation"
urlpatterns = [path("o/<str:token>/", views.choose, name="choose")]
