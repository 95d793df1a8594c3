from django.contrib.auth import views as auth_views
from django.urls import path

from . import incidents, views

app_name = "web"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/assign/", views.inbox_bulk_assign, name="inbox_assign"),
    path("inbox/views/", views.inbox_view_save, name="inbox_view_save"),
    path("inbox/views/<int:view_id>/delete/", views.inbox_view_delete, name="inbox_view_delete"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/language/", views.language_update, name="language"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/take/", views.case_take, name="case_take"),
    path("cases/<int:case_id>/notes/", views.case_note, name="case_note"),
    path("cases/<int:case_id>/resolve/", views.case_resolve_view, name="case_resolve"),
    path("cases/<int:case_id>/status/", views.case_status_view, name="case_status"),
    path("cases/<int:case_id>/assign/", views.case_assign_view, name="case_assign"),
    path("cases/<int:case_id>/steps/", views.case_step_view, name="case_step"),
    path("cases/<int:case_id>/messages/", views.case_message_view, name="case_message"),
    path("cases/<int:case_id>/merge/", views.case_relate_view, {"how": "merge"}, name="case_merge"),
    path("cases/<int:case_id>/link/", views.case_relate_view, {"how": "link"}, name="case_link"),
    path("cases/<int:case_id>/feedback/<int:feedback_id>/label/", views.feedback_label, name="feedback_label"),
    path("cases/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("cases/<int:case_id>/offers/", views.case_offer, name="case_offer"),
    path("cases/<int:case_id>/tasks/", views.case_task, name="case_task"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("approvals/", views.approvals, name="approvals"),
    path("offers/<int:offer_id>/decision/", views.offer_decision, name="offer_decision"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/declare/", incidents.incident_declare, name="incident_declare"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/send/", incidents.incident_send, name="incident_send"),
    path("incidents/<int:incident_id>/updates/", incidents.incident_update, name="incident_update"),
    path("customers/<str:external_id>/", views.customer_detail, name="customer"),
    path("notifications/", views.notification_list, name="notifications"),
    path("locations/", views.location_list, name="locations"),
    path("locations/<slug:code>/", views.location_detail, name="location"),
    path("locations/<slug:code>/poster.svg", views.location_poster, {"kind": "svg"}, name="location_poster_svg"),
    path("locations/<slug:code>/poster.pdf", views.location_poster, {"kind": "pdf"}, name="location_poster_pdf"),
    path("healthz", views.healthz, name="healthz"),
]
