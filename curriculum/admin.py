"""Admin views for staff; officers normally use the curriculum pages, whose services audit each change."""

from django.contrib import admin

from .models import LogbookEntry, Supervision, TrainingPeriod


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ("instructor", "trainee", "created_at")
    list_select_related = ("instructor", "trainee")
    raw_id_fields = ("instructor", "trainee", "created_by")
    search_fields = ("instructor__username", "trainee__username")


@admin.register(TrainingPeriod)
class TrainingPeriodAdmin(admin.ModelAdmin):
    list_display = ("trainee", "organization", "start", "end", "verified_by", "verified_at")
    list_select_related = ("trainee", "organization", "verified_by")
    raw_id_fields = ("trainee", "verified_by")


@admin.register(LogbookEntry)
class LogbookEntryAdmin(admin.ModelAdmin):
    """Read-only: entries change through the trainee's and instructor's pages (verification is audited)."""

    list_display = ("performed_on", "trainee", "area", "grade", "role", "supervisor", "status")
    list_filter = ("status", "area", "role")
    list_select_related = ("trainee", "area", "supervisor")
    search_fields = ("trainee__username", "supervisor__username")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
