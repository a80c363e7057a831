from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "studyapp.lab"
    label = "lab"
    verbose_name = "Training lab"
