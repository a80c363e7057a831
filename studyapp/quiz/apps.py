from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "studyapp.quiz"
    verbose_name = "Quizzes"

    def ready(self):
        from studyapp.accounts.exports import register

        from .attempts import export_attempts

        register("quiz", lambda learner: export_attempts(learner=learner))
