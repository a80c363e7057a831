"""Attempts in the admin, read-only: they are a learner's record (written by attempts.py)."""

from django.contrib import admin

from .models import Answer, Attempt, AttemptQuestion


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttemptQuestionInline(ReadOnly, admin.TabularInline):
    model = AttemptQuestion
    fields = ["position", "kind", "topic_title", "source_slug", "stem", "correct_option", "accepted"]
    extra = 0
    show_change_link = True


@admin.register(Attempt)
class AttemptAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "learner", "created", "finished", "all_topics", "requested_length"]
    list_filter = ["finished", "all_topics"]
    list_select_related = ["learner__user"]
    inlines = [AttemptQuestionInline]


@admin.register(AttemptQuestion)
class AttemptQuestionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["attempt", "position", "kind", "topic_title", "source_slug"]
    list_filter = ["kind"]


@admin.register(Answer)
class AnswerAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["question", "outcome", "response", "answered"]
    list_filter = ["outcome"]
