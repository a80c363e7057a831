from django.contrib import admin

from .models import CardState, Review, ReviewSettings


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ["learner", "desired_retention", "new_per_day", "reviews_per_day", "time_zone", "updated"]
    raw_id_fields = ["learner"]


@admin.register(CardState)
class CardStateAdmin(admin.ModelAdmin):
    list_display = ["learner", "flashcard", "state", "due", "reps", "lapses", "suspended", "version"]
    list_filter = ["state", "suspended"]
    raw_id_fields = ["learner", "flashcard"]
    # Writes go through review/scheduling.py (the log must replay to the state): read only here.
    readonly_fields = [f.name for f in CardState._meta.fields]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["learner", "flashcard", "kind", "rating", "reviewed_at", "duration_ms", "undone"]
    list_filter = ["kind", "rating", "undone"]
    raw_id_fields = ["learner", "flashcard", "card_state"]
    readonly_fields = [f.name for f in Review._meta.fields]
