"""{% topic_demos topic %}: a topic's demos, for the course's topic page (course never imports demos)."""

import json

import numpy as np
from django import template

from .. import catalogue
from ..display import matrix, number_html, symbol, values_attr

register = template.Library()


@register.inclusion_tag("demos/demo_list.html#topic_demos")
def topic_demos(topic):
    """The demos of `topic` (a Topic or its slug), as a short list of links; nothing if none."""
    slug = getattr(topic, "slug", topic)
    return {"topic_demos": catalogue.for_topic(str(slug))}


@register.filter
def tex(latex):
    """A LaTeX symbol or formula (the course's notation) as MathML."""
    return symbol(str(latex))


@register.filter
def values(array, decimals=5):
    """The numbers of an array as shown (rounded), space-separated: for data-values."""
    return values_attr(array, int(decimals))


@register.filter
def matrix_row(array):
    """A vector written as a row of numbers (a table cell), as MathML."""
    return matrix(np.atleast_1d(np.asarray(array, dtype=float))[None, :])


@register.filter(name="matrix")
def matrix_filter(array):
    """A vector (a column) or matrix of numbers as MathML."""
    return matrix(array)


@register.filter(name="number")
def number_filter(value, decimals=5):
    """A number rounded as the demos show it (a typographic minus)."""
    return number_html(value, int(decimals))


@register.filter
def at(array, index):
    """array[index] (templates cannot index NumPy arrays)."""
    return array[int(index)]


@register.filter
def figure_json(figure):
    """A figure as compact JSON text (auto-escaped into an element; plots.js parses its text)."""
    return json.dumps(figure, separators=(",", ":"), allow_nan=False)
