"""The statistics pages' filters, and the link from a course card to its history.

    {% load review_stats %}
    {{ ratio.share|percent }} / {{ value|percent:0 }}   0.9312 -> "93.1%" / "93%"; None -> "–"
    {{ ms|duration }}                                    milliseconds as "3 min 20 s"
    {{ interval|interval }}                              a timedelta as an answer button shows it ("3.5mo")
    {% card_history_link card %}                         "History and forgetting curve" (no query)
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from .. import scheduling
from ..views import duration_text

register = template.Library()


@register.filter
def percent(value, digits=1):
    if value is None:
        return "–"
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def duration(ms):
    return duration_text(ms or 0)


@register.filter
def interval(value):
    return scheduling.interval_label(value) if value is not None else "–"


@register.simple_tag
def card_history_link(card):
    return format_html('<a class="card-history-link" href="{}">Your history and forgetting curve</a>',
                       reverse("review:card", args=[card.slug]))
