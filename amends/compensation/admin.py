from django.contrib import admin
from django.db.models import QuerySet

from amends.core.backoffice import ReadOnlyAdmin
from amends.core.models import User

from .models import AuthorityLimit, CatalogueItem, LedgerEntry, Offer, TeamBudget
from .selectors import ledger_visible_to, offers_visible_to


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "default_amount", "currency", "validity_days", "location", "brand", "is_active")
    list_filter = ("type", "is_active")


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    list_display = ("role", "user", "per_case", "per_day", "per_month", "currency")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(TeamBudget)
class TeamBudgetAdmin(admin.ModelAdmin):
    list_display = ("team", "per_month", "currency")


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    """Offers change only through their services (approval chain, the customer's choice): read-only here."""

    list_display = ("id", "case", "status", "offered_by", "approved_by", "created_at")
    list_filter = ("status",)

    def visible_to(self, user: User) -> QuerySet[Offer]:
        return offers_visible_to(user).select_related("case", "offered_by", "approved_by")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """The ledger is append-only: nothing is changed or deleted, a correction is a new entry."""

    list_display = ("id", "created_at", "type", "amount", "currency", "category", "case", "offered_by", "fulfilment")
    list_filter = ("type", "fulfilment", "currency")

    def visible_to(self, user: User) -> QuerySet[LedgerEntry]:
        return ledger_visible_to(user)
