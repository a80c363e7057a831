"""`{% load site_plots %}{% plot_template %}`: the site's plotly template as JSON in an HTML
attribute (`data-template="..."` on the plots.js script element of the `plot_scripts` partial),
once per plotting page; static/js/plots.js gives it to every figure. An attribute, not a
json_script: pages that plot keep no inline script at all."""

import json
from functools import lru_cache

from django import template
from django.utils.html import escape

from .plots import site_template

register = template.Library()


@register.simple_tag
@lru_cache(maxsize=1)  # the same text on every page
def plot_template():
    return escape(json.dumps(site_template(), separators=(",", ":")))
