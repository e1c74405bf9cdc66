from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, Organization, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            None,
            {
                "fields": (
                    "display_name_zh",
                    "display_name_en",
                    "organization",
                    "province",
                    "licence_number",
                    "preferred_language",
                )
            },
        ),
    )
    list_display = ("username", "display_name_zh", "display_name_en", "organization", "is_active")
    list_select_related = ("organization",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "province")
    list_filter = ("kind", "province")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "target_type", "target_id", "summary")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
