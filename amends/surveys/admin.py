from django.contrib import admin
from django.db.models import QuerySet

from amends.core.backoffice import ReadOnlyAdmin
from amends.core.models import User
from amends.customers.selectors import customers_visible_to

from .models import Invitation, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "location", "asks_csat", "asks_nps", "asks_ces", "is_active")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are sent by the sweeper or `POST /api/v1/surveys/invitations` (a signed single-use link)."""

    list_display = ("id", "survey", "customer", "language", "sent_at", "reminded_at", "answered_at", "expires_at")
    list_filter = ("survey", "language")
    exclude = ("nonce",)

    def visible_to(self, user: User) -> QuerySet[Invitation]:
        invitations = Invitation.objects.select_related("survey", "customer")
        return invitations if user.sees_all_teams else invitations.filter(customer__in=customers_visible_to(user))
