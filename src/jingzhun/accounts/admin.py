from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.models import FunctionPermission, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "region", "function", "sector", "is_active", "is_superuser"]
    list_filter = ["function", "sector", "is_active", "is_superuser"]
    raw_id_fields = ["region"]
    fieldsets = [*BaseUserAdmin.fieldsets, (_("Region and function"), {"fields": ["region", "function", "sector"]})]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Region and function"), {"fields": ["region", "function", "sector"]}),
    ]


@admin.register(FunctionPermission)
class FunctionPermissionAdmin(admin.ModelAdmin):
    list_display = ["function", "permission"]
    list_filter = ["function", "permission"]
