from django.contrib import admin
from django.db.models import QuerySet

from amends.core.backoffice import ReadOnlyAdmin, ScopedAdmin, ScopedRelatedFilter
from amends.core.models import User

from .models import Customer, Interaction
from .selectors import customers_visible_to, interactions_visible_to


@admin.register(Customer)
class CustomerAdmin(ScopedAdmin):
    list_display = ("external_id", "name", "email", "language", "segment")
    list_filter = ("language", "segment")
    search_fields = ("external_id", "name", "email")

    def visible_to(self, user: User) -> QuerySet[Customer]:
        return customers_visible_to(user)


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    """Service events come from the API and imports (interaction_record, which also plans their surveys)."""

    list_display = ("external_id", "kind", "customer", "location", "occurred_at")
    list_filter = ("kind", ("location", ScopedRelatedFilter))
    search_fields = ("external_id", "customer__external_id")
    raw_id_fields = ("customer",)

    def visible_to(self, user: User) -> QuerySet[Interaction]:
        return interactions_visible_to(user).select_related("customer", "location")
