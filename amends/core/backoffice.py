"""The back office (Django admin) behind the app's walls.

Every ModelAdmin of team-owned rows is a ScopedAdmin: its lists, object pages, history and delete pages read through
the app's own selector for the person asking, so a supervisor sees in /admin/ exactly what the app shows them (and
another team's object is missing, as Django shows a missing object). Choices in forms and list filters come from
the related model's admin, so they are scoped the same way.
"""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.db.models.fields.related import RelatedField
from django.http import HttpRequest

from .models import User


def related_admin(model_admin: admin.options.BaseModelAdmin, field: RelatedField) -> admin.ModelAdmin | None:
    return model_admin.admin_site._registry.get(field.remote_field.model)


class BackOfficeAdmin(admin.ModelAdmin):
    """Foreign-key and many-to-many choices are the rows the related admin shows this person."""

    def get_field_queryset(self, db: str | None, db_field: RelatedField, request: HttpRequest) -> QuerySet | None:
        scoped = related_admin(self, db_field)
        if isinstance(scoped, ScopedAdmin):
            return scoped.get_queryset(request).using(db)
        return super().get_field_queryset(db, db_field, request)


class ScopedAdmin(BackOfficeAdmin):
    """Team-owned rows: the queryset is the app's selector for the person asking (admins see every team)."""

    def visible_to(self, user: User) -> QuerySet:
        raise NotImplementedError("name the app's selector for these rows")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = self.visible_to(request.user)  # type: ignore[arg-type]
        ordering = self.get_ordering(request)
        return rows.order_by(*ordering) if ordering else rows


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A list filter on a team or location that names only the ones the person may see."""

    def field_choices(self, field: RelatedField, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        scoped = related_admin(model_admin, field)
        if not isinstance(scoped, ScopedAdmin):
            return super().field_choices(field, request, model_admin)
        return [(row.pk, str(row)) for row in scoped.get_queryset(request)]


class ReadOnlyAdmin(ScopedAdmin):
    """Rows that only their services write (a case's offers, the ledger, answers, the worker's readings): shown,
    never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
