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

        from studyapp.accounts.exports import register

        from .exports import export_review

        register("review", export_review)
