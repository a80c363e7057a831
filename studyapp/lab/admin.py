from django.contrib import admin

from .models import Run


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("pk", "learner", "task", "status", "step", "max_steps", "running", "created")
    list_filter = ("task", "status")
    exclude = ("state",)
    readonly_fields = ("learner", "task", "settings", "version", "status", "step", "max_steps",
                       "running", "last_polled", "metrics")
