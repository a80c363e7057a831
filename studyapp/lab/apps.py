from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "studyapp.lab"
    label = "lab"
    verbose_name = "Training lab"

    def ready(self):
        from studyapp.accounts.exports import register

        from .training import export_runs

        register("lab", export_runs)
