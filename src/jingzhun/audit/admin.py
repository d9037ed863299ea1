"""A read-only view of the audit log for administrators (nothing can be added, changed or deleted here)."""

from django.contrib import admin

from jingzhun.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_name", "action", "object_type", "object_id", "region_code", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "region_code"]
    date_hierarchy = "at"
    ordering = ["-seq"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
