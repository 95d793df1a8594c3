from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from amends.intake.channels.webform.selectors import locations_for_staff  # the rule of the location pages

from .backoffice import ScopedAdmin, ScopedRelatedFilter
from .errors import DomainError
from .models import ApiToken, BusinessCalendar, Location, Team, User
from .selectors import teams_visible_to
from .services import api_token_revoke, calendar_fields_checked

# The roles are the groups, and their permissions are the code's (roles_ensure sets them again at every migrate):
# they are given to people on the user's page, not edited.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Preferences"), {"fields": ("language",)}))  # type: ignore[misc]
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "language")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        """Only a superuser makes superusers or hands out single permissions: a role is given by its group."""
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """A superuser's account (and password) is changed by a superuser only."""
        above = obj is not None and obj.is_superuser and not request.user.is_superuser
        return not above and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        above = obj is not None and obj.is_superuser and not request.user.is_superuser
        return not above and super().has_delete_permission(request, obj)


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ("name", "slug", "email")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)

    def visible_to(self, user: User) -> QuerySet[Team]:
        return teams_visible_to(user)


@admin.register(Location)
class LocationAdmin(ScopedAdmin):
    """Supervisors manage their own teams' touchpoints; a location goes only to a team they may see."""

    list_display = ("code", "name", "country", "timezone", "team")
    list_filter = ("country", ("team", ScopedRelatedFilter))
    search_fields = ("code", "name")

    def visible_to(self, user: User) -> QuerySet[Location]:
        return locations_for_staff(user)


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
