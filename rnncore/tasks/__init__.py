"""The teaching tasks, one module each, by name.

    sine            regression: forecast a sine wave one step ahead
    adding          long range: add two marked numbers (LSTM/GRU vs vanilla RNN)
    copy            long range: remember symbols over a delay and write them back
    char_lm         character-level language model with temperature sampling
    sentiment       many-to-one classification from the course's word embeddings
    future_context  needs later inputs: bidirectional vs one-directional

Each task exposes ``default_config()``, ``config_bounds()`` and ``validate(config)``.
"""

from .adding import AddingTask
from .base import Batch, ClassificationTask, Param, RegressionTask, SymbolTask, Task
from .char_lm import CharLMTask
from .copy_memory import CopyTask
from .future_context import FutureContextTask
from .sentiment import SentimentTask
from .sine import SineTask

TASKS: dict[str, Task] = {task.name: task for task in (
    SineTask(), AddingTask(), CopyTask(), CharLMTask(), SentimentTask(), FutureContextTask())}


def get_task(name: str) -> Task:
    """The task called name, or ValueError listing the names."""
    if name not in TASKS:
        raise ValueError(f"task must be one of {tuple(TASKS)}, got {name!r}")
    return TASKS[name]


__all__ = ["TASKS", "get_task", "Task", "RegressionTask", "ClassificationTask", "SymbolTask",
           "Param", "Batch", "SineTask", "AddingTask", "CopyTask",
           "CharLMTask", "SentimentTask", "FutureContextTask"]
