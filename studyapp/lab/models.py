"""A training run: one learner's network in training, stored as the Trainer's bytes.

The row is the whole run: `state` is `rnncore.Trainer.to_bytes()` (parameters, optimiser
moments, random generator, history), so any app process can load it, advance it a bounded chunk
and store it again. `version` grows with every write; a write names the version it started from
(`lab/training.py`), so two polls of one run never both advance it from the same state.
`settings` is what the learner chose on the form (the shareable query string's values); the
columns beside it are copies for listing runs without loading their bytes.
"""

from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils import timezone

from .bounds import RUNNING_WINDOW_SECONDS, TASK_TITLES


class Run(models.Model):
    READY, TRAINING, FINISHED, DIVERGED = "ready", "training", "finished", "diverged"
    STATUS_CHOICES = [(READY, "Ready"), (TRAINING, "Training"), (FINISHED, "Finished"),
                      (DIVERGED, "Diverged")]

    learner = models.ForeignKey("accounts.Learner", on_delete=models.CASCADE,
                                related_name="lab_runs")
    task = models.CharField(max_length=32)
    settings = models.JSONField(help_text="The form's values: task, network, optimiser, seed.")
    state = models.BinaryField(help_text="rnncore.Trainer.to_bytes()")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=READY)
    step = models.PositiveIntegerField(default=0)
    max_steps = models.PositiveIntegerField()
    running = models.BooleanField(default=False, help_text="The learner pressed Start (not Pause).")
    last_polled = models.DateTimeField(null=True, blank=True)
    metrics = models.JSONField(default=dict, help_text="The last evaluation's metrics.")
    token = models.CharField(max_length=32, blank=True,
                             help_text="The Start form's token: a replayed Start finds its run.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["learner", "running", "last_polled"])]
        constraints = [models.UniqueConstraint(fields=["learner", "token"],
                                               condition=~models.Q(token=""),
                                               name="lab_run_unique_start_token")]

    def __str__(self):
        return f"run {self.pk}: {self.task} ({self.status}, step {self.step}/{self.max_steps})"

    def get_absolute_url(self):
        return reverse("lab:run", args=[self.pk])

    @property
    def task_title(self) -> str:
        return TASK_TITLES.get(self.task, self.task)

    @property
    def title(self) -> str:
        """What the run trains, e.g. 'Bidirectional GRU on future context'."""
        task = self.task_title.replace(" (bidirectional)", "")
        cell = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}.get(self.settings.get("cell"), "")
        prefix = "Bidirectional " if self.settings.get("bidirectional") else ""
        return f"{prefix}{cell} on {task[:1].lower() + task[1:]}"

    @property
    def shown_status(self) -> str:
        """Training (started and polled in the last seconds), Paused, Ready, Finished, Diverged."""
        if self.done:
            return self.get_status_display()
        recent = self.last_polled is not None and (
            self.last_polled >= timezone.now() - timedelta(seconds=RUNNING_WINDOW_SECONDS))
        if self.running and recent:
            return "Training"
        return "Paused" if self.step else "Ready"

    @property
    def done(self) -> bool:
        return self.status in (self.FINISHED, self.DIVERGED)
