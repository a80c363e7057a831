from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "studyapp.review"
    label = "review"
    verbose_name = "Flashcard review"

    def ready(self):
        from studyapp.accounts.exports import register

        from .exports import export_review

        register("review", export_review)
