"""The admin lists the course read-only: fixtures/ is its source of truth (edit, then load_course)."""

from django.contrib import admin

from .models import Flashcard, Note, Option, Question, Source, Topic


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OptionInline(admin.TabularInline):
    model = Option
    fields = ["position", "text", "correct"]
    extra = 0

    has_add_permission = ReadOnlyAdmin.has_add_permission
    has_change_permission = ReadOnlyAdmin.has_change_permission
    has_delete_permission = ReadOnlyAdmin.has_delete_permission


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = ["key", "title", "filename", "cites"]


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["order", "title", "slug", "source_path", "retired"]
    list_filter = ["retired"]
    search_fields = ["title", "slug", "summary"]


class TopicItemAdmin(ReadOnlyAdmin):
    list_filter = ["retired", "topic", "source"]
    list_select_related = ["topic"]


@admin.register(Note)
class NoteAdmin(TopicItemAdmin):
    list_display = ["title", "topic", "position", "source", "retired"]
    search_fields = ["title", "slug", "body"]


@admin.register(Flashcard)
class FlashcardAdmin(TopicItemAdmin):
    list_display = ["front", "topic", "source", "source_ref", "term", "retired"]
    search_fields = ["front", "back", "slug"]


@admin.register(Question)
class QuestionAdmin(TopicItemAdmin):
    list_display = ["text", "topic", "source", "source_ref", "retired"]
    search_fields = ["text", "slug", "explanation"]
    inlines = [OptionInline]
