from django.contrib import admin
from django.http import HttpRequest

from .models import AuthorityLimit, CatalogueItem, LedgerEntry, Offer, TeamBudget


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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    """Offers change only through their services (approval chain, the customer's choice): read-only here."""

    list_display = ("id", "case", "status", "offered_by", "approved_by", "created_at")
    list_filter = ("status",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """The ledger is append-only: nothing is changed or deleted, a correction is a new entry."""

    list_display = ("id", "created_at", "type", "amount", "currency", "category", "case", "offered_by", "fulfilment")
    list_filter = ("type", "fulfilment", "currency")
