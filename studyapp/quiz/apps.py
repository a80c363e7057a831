from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "studyapp.quiz"
    verbose_name = "Quizzes"

    def ready(self):
        from studyapp.accounts.exports import Restorer, register

        from .backup import apply_attempts, check_attempts, export_attempts, holds_attempts

        register("quiz", export_attempts, Restorer(
            check=check_attempts, apply=apply_attempts, holds=holds_attempts, noun="quiz attempts",
            contents="your quiz attempts: every question as it was shown, your answers, their outcomes and "
                     "times (an unfinished quiz carries on where you stopped)"))
