"""Pages for reading a topic: its notes, flashcards and questions (answers revealed via htmx)."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_safe

from studyapp.web import HtmxHttpRequest, render_page

from .forms import AnswerForm
from .models import Flashcard, Question, Topic


def _live_count(model):
    """The number of a topic's live items of `model`, as a subquery (no join fan-out)."""
    counts = (model.objects.live().filter(topic=OuterRef("pk")).order_by()
              .values("topic").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counts), 0)


@require_safe
def topic_list(request: HtmxHttpRequest):
    topics = Topic.objects.live().annotate(
        card_count=_live_count(Flashcard), question_count=_live_count(Question),
    )
    return render_page(request, "course/topic_list.html", {"topics": topics})


@require_safe
def topic_detail(request: HtmxHttpRequest, topic_slug: str):
    topic = get_object_or_404(Topic.objects.live(), slug=topic_slug)
    questions = topic.questions.live().prefetch_related("options")
    topics = list(Topic.objects.live().only("slug", "title", "order"))
    index = next(i for i, t in enumerate(topics) if t.pk == topic.pk)
    return render_page(request, "course/topic_detail.html", {
        "topic": topic,
        "notes": topic.notes.live(),
        "cards": topic.flashcards.live(),
        "questions": [(q, AnswerForm(question=q)) for q in questions],
        "previous_topic": topics[index - 1] if index > 0 else None,
        "next_topic": topics[index + 1] if index + 1 < len(topics) else None,
    })


@require_safe
def card_detail(request: HtmxHttpRequest, topic_slug: str, card_slug: str):
    """One flashcard; `?side=back` shows its answer."""
    flashcard = get_object_or_404(
        Flashcard.objects.live().select_related("topic"), topic__slug=topic_slug, slug=card_slug,
    )
    context = {"topic": flashcard.topic, "card": flashcard, "revealed": request.GET.get("side") == "back"}
    return render_page(request, "course/card_detail.html", context, partial="card")


@require_http_methods(["GET", "HEAD", "POST"])
def question_detail(request: HtmxHttpRequest, topic_slug: str, question_slug: str):
    """One question; POST checks an answer (or reveals it) and shows the explanation."""
    item = get_object_or_404(
        Question.objects.live().select_related("topic").prefetch_related("options"),
        topic__slug=topic_slug, slug=question_slug,
    )
    context = {"topic": item.topic, "question": item}
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, question=item)
        if form.is_valid():
            context.update(answered=True, chosen=form.cleaned_data["option"],
                           is_correct=form.is_correct())
        else:
            status = 400
    else:
        form = AnswerForm(question=item)
    context["form"] = form
    return render_page(request, "course/question_detail.html", context, partial="question",
                       status=status)
