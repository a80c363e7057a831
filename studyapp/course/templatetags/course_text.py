"""Filters that render course text (Markdown + LaTeX) to HTML with MathML."""

from django import template
from django.utils.safestring import mark_safe

from ..rendering import render_inline, render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Block text: paragraphs, lists, tables, display math."""
    return mark_safe(render_markdown(text))


@register.filter
def markdown_inline(text):
    """A single line: a title, a card front, an option."""
    return mark_safe(render_inline(text))
