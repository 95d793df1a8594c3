from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("at-risk/", views.at_risk_list, name="at_risk"),
    path("at-risk/<str:external_id>/reach-out/", views.at_risk_reach_out, name="at_risk_reach_out"),
]
