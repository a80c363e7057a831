from django.apps import AppConfig


class DemosConfig(AppConfig):
    name = "studyapp.demos"
    label = "demos"
    verbose_name = "Interactive demos"
