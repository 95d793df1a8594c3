from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .models import ApiToken, BusinessCalendar, Location, Team, User
from .services import api_token_revoke, calendar_fields_checked


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Preferences"), {"fields": ("language",)}))  # type: ignore[misc]
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "language")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "email")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "timezone", "team")
    list_filter = ("country", "team")
    search_fields = ("code", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        for token in queryset:
            api_token_revoke(token)

    def has_add_permission(self, request) -> bool:  # tokens are made with `amends api_token create`
        return False


class BusinessCalendarForm(forms.ModelForm):
    """Checked like the API does, so that the back office cannot store hours the clock cannot read."""

    class Meta:
        model = BusinessCalendar
        fields = ("name", "timezone", "country", "subdivision", "hours", "closed_days", "special_hours")

    def clean(self) -> dict:
        data = super().clean() or {}
        try:
            checked = calendar_fields_checked(
                timezone_name=data.get("timezone") or "",
                country=data.get("country"),
                subdivision=data.get("subdivision"),
                hours=data.get("hours") or {},
                closed_days=data.get("closed_days") or [],
                special_hours=data.get("special_hours") or {},
            )
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
            return data
        return {**data, **checked}


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ("name", "timezone", "country", "subdivision", "updated_at")
    search_fields = ("name",)
