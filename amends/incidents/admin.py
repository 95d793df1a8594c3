from django.contrib import admin
from django.db.models import QuerySet

from amends.core.backoffice import ReadOnlyAdmin
from amends.core.errors import Forbidden
from amends.core.models import User

from .models import Incident
from .selectors import incidents_for


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Incidents are declared, previewed, announced and resolved on the Incidents page (/incidents/)."""

    list_display = ("title", "status", "location", "announced_at", "resolved_at")
    list_filter = ("status",)

    def visible_to(self, user: User) -> QuerySet[Incident]:
        try:
            return incidents_for(user)  # the incident pages' scope
        except Forbidden:
            return Incident.objects.none()
