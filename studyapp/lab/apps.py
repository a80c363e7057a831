from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "studyapp.lab"
    label = "lab"
    verbose_name = "Training lab"

    def ready(self):
        from studyapp.accounts.exports import Restorer, register

        from .backup import apply_runs, check_runs, export_runs, holds_runs

        register("lab", export_runs, Restorer(
            check=check_runs, apply=apply_runs, holds=holds_runs, noun="lab runs",
            contents="your lab runs: each network as trained so far, its history and metrics (a run "
                     "carries on training exactly where it stopped)"))
