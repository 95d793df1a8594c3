from django.contrib import admin
from django.http import HttpRequest

from .models import ErasureRecord
from .selectors import may_manage_privacy


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    """The audit trail of erasures: admins read it; nobody adds, changes or deletes a record by hand."""

    list_display = ("pseudonym", "erased_at", "erased_by", "via", "reason")
    list_filter = ("via",)
    search_fields = ("pseudonym", "reason")
    date_hierarchy = "erased_at"
    fields = ("pseudonym", "customer", "erased_at", "erased_by", "via", "reason", "counts")
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and may_manage_privacy(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
