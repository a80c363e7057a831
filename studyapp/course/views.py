"""Pages for reading a topic: its notes, flashcards and questions (answers revealed via htmx)."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from .forms import AnswerForm
from .models import Flashcard, Option, Question, Topic


def _live_topic(slug):
    return get_object_or_404(Topic.objects.live(), slug=slug)


def _partial(request, template, name):
    """The whole page for a normal request, only the named partial for an htmx one."""
    return f"{template}#{name}" if request.htmx else template


@require_GET
def topic_list(request):
    topics = Topic.objects.live().annotate(
        card_count=Count("flashcards", filter=Q(flashcards__retired=False), distinct=True),
        question_count=Count("questions", filter=Q(questions__retired=False), distinct=True),
        note_count=Count("notes", filter=Q(notes__retired=False), distinct=True),
    )
    return render(request, "course/topic_list.html", {"topics": topics})


@require_GET
def topic_detail(request, slug):
    topic = _live_topic(slug)
    questions = topic.questions.live().prefetch_related(
        Prefetch("options", queryset=Option.objects.order_by("position"))
    )
    topics = list(Topic.objects.live().only("slug", "title", "order"))
    index = next(i for i, t in enumerate(topics) if t.pk == topic.pk)
    return render(request, "course/topic_detail.html", {
        "topic": topic,
        "notes": topic.notes.live(),
        "cards": topic.flashcards.live(),
        "questions": [(q, AnswerForm(question=q, auto_id=f"id_{q.slug}_%s")) for q in questions],
        "previous_topic": topics[index - 1] if index > 0 else None,
        "next_topic": topics[index + 1] if index + 1 < len(topics) else None,
    })


@require_GET
def card(request, slug, card_slug):
    """One flashcard; `?side=back` shows its answer."""
    flashcard = get_object_or_404(Flashcard.objects.live(), topic=_live_topic(slug), slug=card_slug)
    context = {"topic": flashcard.topic, "card": flashcard, "revealed": request.GET.get("side") == "back"}
    return render(request, _partial(request, "course/card.html", "card"), context)


@require_http_methods(["GET", "POST"])
def question(request, slug, question_slug):
    """One question; POST checks an answer (or reveals it) and shows the explanation."""
    item = get_object_or_404(Question.objects.live(), topic=_live_topic(slug), slug=question_slug)
    context = {"topic": item.topic, "question": item}
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, question=item, auto_id=f"id_{item.slug}_%s")
        if form.is_valid():
            chosen = form.cleaned_data["option"]
            context["answered"] = True
            context["chosen"] = chosen
            context["is_correct"] = chosen is not None and chosen == item.correct_option.position
        else:
            status = 400
    else:
        form = AnswerForm(question=item, auto_id=f"id_{item.slug}_%s")
    context["form"] = form
    return render(request, _partial(request, "course/question.html", "question"), context, status=status)
