"""What a learner reads after answering: an attempt's score and per-topic breakdown, and their
history of scores over time (a plotly figure in the site's style).

Only answered questions show their right answer: an unfinished attempt's results list the
questions still open without it.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from studyapp.accounts.models import Learner
from studyapp.plots import PALETTE, figure

from .attempts import attempts_of
from .models import Attempt, AttemptQuestion, Outcome


@dataclass
class Tally:
    right: int = 0
    near: int = 0
    wrong: int = 0
    open: int = 0

    def add(self, question: AttemptQuestion) -> None:
        answer = getattr(question, "answer", None)
        name = "open" if answer is None else answer.outcome
        setattr(self, name, getattr(self, name) + 1)

    @property
    def correct(self) -> int:
        return self.right + self.near

    @property
    def answered(self) -> int:
        return self.right + self.near + self.wrong

    @property
    def total(self) -> int:
        return self.answered + self.open

    @property
    def percent(self) -> int:
        """The share of all questions answered right or near, rounded to a whole percent."""
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass
class TopicResult:
    topic_id: int
    title: str
    url: str | None  # None when the topic has since been retired
    tally: Tally = field(default_factory=Tally)


@dataclass
class Results:
    attempt: Attempt
    questions: list[AttemptQuestion]
    tally: Tally
    topics: list[TopicResult]

    @property
    def finished(self) -> bool:
        return self.tally.open == 0

    @property
    def to_read(self) -> list[TopicResult]:
        """Topics with a wrong or near answer, weakest first: what to read again."""
        weak = [t for t in self.topics if t.url and (t.tally.wrong or t.tally.near)]
        return sorted(weak, key=lambda t: (t.tally.percent, t.title))


def progress(attempt: Attempt) -> Tally:
    """How far the attempt has got: right, near, wrong and open questions (one query)."""
    counts = attempt.questions.aggregate(
        right=Count("pk", filter=Q(answer__outcome=Outcome.RIGHT)),
        near=Count("pk", filter=Q(answer__outcome=Outcome.NEAR)),
        wrong=Count("pk", filter=Q(answer__outcome=Outcome.WRONG)),
        open=Count("pk", filter=Q(answer__isnull=True)),
    )
    return Tally(**counts)


def attempt_results(attempt: Attempt) -> Results:
    questions = list(attempt.questions.select_related("answer", "topic"))
    tally, by_topic = Tally(), {}
    for question in questions:
        tally.add(question)
        topic = question.topic
        if topic.pk not in by_topic:
            url = None if topic.retired else topic.get_absolute_url()
            by_topic[topic.pk] = TopicResult(topic.pk, question.topic_title, url)
        by_topic[topic.pk].tally.add(question)
    topics = sorted(by_topic.values(), key=lambda t: (-t.tally.total, t.title))
    return Results(attempt=attempt, questions=questions, tally=tally, topics=topics)


@dataclass(frozen=True)
class HistoryRow:
    attempt: Attempt
    date: datetime
    percent: int
    correct: int
    total: int
    label: str


def topics_label(attempt: Attempt) -> str:
    if attempt.all_topics:
        return "All topics"
    titles = [topic.title for topic in attempt.topics.all()]
    return ", ".join(titles) if len(titles) <= 3 else f"{', '.join(titles[:2])} and {len(titles) - 2} more"


def score_history(*, learner: Learner | None) -> list[HistoryRow]:
    """The learner's finished attempts, oldest first, with their scores."""
    rows = []
    for attempt in attempts_of(learner).filter(finished__isnull=False).order_by("finished", "pk"):
        total = attempt.n_questions
        rows.append(HistoryRow(
            attempt=attempt, date=attempt.finished, correct=attempt.n_correct, total=total,
            percent=round(100 * attempt.n_correct / total) if total else 0,
            label=topics_label(attempt),
        ))
    return rows


def history_figure(rows: list[HistoryRow]) -> dict:
    """Score (%) of each finished attempt, oldest first, with its date, topics and count on hover."""
    score = {
        "type": "scatter", "name": "Score",
        "x": list(range(1, len(rows) + 1)), "y": [row.percent for row in rows],
        "mode": "lines+markers", "line": {"color": PALETTE[0], "width": 2},
        "marker": {"size": 10, "color": [PALETTE[2] if row.percent >= 80 else PALETTE[0] for row in rows]},
        "customdata": [[row.correct, row.total, row.label, row.date.strftime("%-d %b %Y, %H:%M")]
                       for row in rows],
        "hovertemplate": "%{y}% (%{customdata[0]} of %{customdata[1]})<br>%{customdata[2]}"
                         "<br>%{customdata[3]}<extra></extra>",
    }
    return figure(
        [score],
        title={"text": "Score per quiz, oldest first", "x": 0, "xanchor": "left"},
        xaxis={"title": {"text": "Quiz"}, "tickmode": "linear", "tick0": 1,
               "dtick": max(1, len(rows) // 10), "range": [0.5, len(rows) + 0.5]},
        yaxis={"title": {"text": "Score (%)"}, "range": [-4, 104], "dtick": 25},
        showlegend=False,
    )
