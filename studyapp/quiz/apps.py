from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "studyapp.quiz"
    verbose_name = "Quizzes"
