"""Pages for reading a topic: its notes, flashcards and questions (answers revealed via htmx)."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from .forms import AnswerForm
from .models import Flashcard, Question, Topic


def _live_topic(slug):
    return get_object_or_404(Topic.objects.live(), slug=slug)


def _partial(request, template, name):
    """The whole page for a normal request, only the named partial for an htmx one."""
    return f"{template}#{name}" if request.htmx else template


def _live_count(model):
    """The number of a topic's live items of `model`, as a subquery (no join fan-out)."""
    counts = (model.objects.live().filter(topic=OuterRef("pk")).order_by()
              .values("topic").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counts), 0)


@require_GET
def topic_list(request):
    topics = Topic.objects.live().annotate(
        card_count=_live_count(Flashcard), question_count=_live_count(Question),
    )
    return render(request, "course/topic_list.html", {"topics": topics})


@require_GET
def topic_detail(request, slug):
    topic = _live_topic(slug)
    questions = topic.questions.live().prefetch_related("options")
    topics = list(Topic.objects.live().only("slug", "title", "order"))
    index = next(i for i, t in enumerate(topics) if t.pk == topic.pk)
    return render(request, "course/topic_detail.html", {
        "topic": topic,
        "notes": topic.notes.live(),
        "cards": topic.flashcards.live(),
        "questions": [(q, AnswerForm(question=q)) for q in questions],
        "previous_topic": topics[index - 1] if index > 0 else None,
        "next_topic": topics[index + 1] if index + 1 < len(topics) else None,
    })


@require_GET
def card(request, slug, card_slug):
    """One flashcard; `?side=back` shows its answer."""
    flashcard = get_object_or_404(
        Flashcard.objects.live().select_related("topic"),
        topic__slug=slug, topic__retired=False, slug=card_slug,
    )
    context = {"topic": flashcard.topic, "card": flashcard, "revealed": request.GET.get("side") == "back"}
    return render(request, _partial(request, "course/card.html", "card"), context)


@require_http_methods(["GET", "POST"])
def question(request, slug, question_slug):
    """One question; POST checks an answer (or reveals it) and shows the explanation."""
    item = get_object_or_404(
        Question.objects.live().select_related("topic").prefetch_related("options"),
        topic__slug=slug, topic__retired=False, slug=question_slug,
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
    return render(request, _partial(request, "course/question.html", "question"), context, status=status)
