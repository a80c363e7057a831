"""Review's due counts on other apps' pages (the course's home and topic pages), without the
course importing review: `{% load review_due %}` in the template is the only link.

    {% review_stylesheet %}                        in the page's head block
    {% due_counts_by_topic as due %}               once per page: {topic id: Counts}
    {% topic_due_link due topic %}                 "3 due · 5 new · Review" for one topic
    {% topic_review_panel topic %}                 a topic page's panel (its own counts)
"""

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from studyapp.accounts.learners import current_learner

from .. import scheduling

register = template.Library()


@register.simple_tag
def review_stylesheet():
    return format_html('<link rel="stylesheet" href="{}">', static("css/review.css"))


def _learner(context):
    request = context.get("request")
    return current_learner(request) if request is not None else None


@register.simple_tag(takes_context=True)
def due_counts_by_topic(context):
    return scheduling.due_counts_by_topic(learner=_learner(context), now=timezone.now())


@register.inclusion_tag("review/due_link.html")
def topic_due_link(due, topic):
    return {"topic": topic, "counts": due.get(topic.pk, scheduling.Counts())}


@register.inclusion_tag("review/due_panel.html", takes_context=True)
def topic_review_panel(context, topic):
    counts = scheduling.build_queue(learner=_learner(context), topic=topic, now=timezone.now()).counts
    return {"topic": topic, "counts": counts}
