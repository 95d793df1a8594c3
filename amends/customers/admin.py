from django.contrib import admin

from .models import Customer, Interaction


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "email", "language", "segment")
    list_filter = ("language", "segment")
    search_fields = ("external_id", "name", "email")


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("external_id", "kind", "customer", "location", "occurred_at")
    list_filter = ("kind", "location")
    search_fields = ("external_id", "customer__external_id")
    raw_id_fields = ("customer",)
