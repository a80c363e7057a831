from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "studyapp.review"
    label = "review"
    verbose_name = "Flashcard review"

    def ready(self):
        from studyapp.accounts.signals import guest_progress_pending

        from .views import guest_progress_url

        # A guest who studied logs in: the log-in lands on review's page asking merge or discard.
        guest_progress_pending.connect(guest_progress_url, dispatch_uid="review.guest_progress")

        from studyapp.accounts.exports import Restorer, register

        from .exports import export_review
        from .restore import apply_review, check_review, holds_reviews

        # After quiz: its quiz-miss entries name attempts by the key the quiz part maps to new ids.
        register("review", export_review, Restorer(
            check=check_review, apply=apply_review, holds=holds_reviews, noun="reviews",
            contents="your review settings and FSRS parameters, every card state and the whole log",
            after=("quiz",)))
