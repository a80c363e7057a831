"""plotly.js is served from the plotly package (no CDN); figures reach templates as data."""

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

import json
import math
import re
from html import unescape

import numpy as np
import plotly.graph_objects as go
from django.template import engines

from studyapp.plots import SITE_LAYOUT, figure, site_template


def test_plotly_js_is_found_as_a_static_file():
    path = finders.find("vendor/plotly.min.js")
    assert path and path.endswith("plotly.min.js")
    with open(path, "rb") as f:
        assert b"plotly" in f.read(4096).lower()


def test_collectstatic_copies_plotly_only(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "vendor" / "plotly.min.js").is_file()
    assert not (tmp_path / "vendor" / "widgetbundle.js").exists()


def test_a_figure_is_plain_json_with_the_site_layout_merged_deeply():
    data = figure([{"type": "scatter", "x": [0, 1, 2], "y": np.array([3.0, np.nan, 1.5])}],
                  title={"text": "Loss"}, xaxis={"title": {"text": "step"}})
    assert data["layout"]["title"]["text"] == "Loss"
    assert data["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    # The site's grid colour survives beside the axis title; the shared layout is untouched.
    assert data["layout"]["xaxis"] == {"gridcolor": "#e6e9ee", "zerolinecolor": "#c9ced6", "title": {"text": "step"}}
    assert "title" not in SITE_LAYOUT["xaxis"]
    assert data["data"][0]["y"] == [3.0, None, 1.5]      # NaN is not JSON: a gap
    assert figure([{"type": "bar", "y": [math.inf, np.float32(2.5), np.int64(3)]}])["data"][0]["y"] == [None, 2.5, 3.0]
    go.Figure(data)                                        # plotly accepts every property


def test_the_site_template_is_plotlys_default_and_sent_once_per_plotting_page():
    template = site_template()
    assert template["layout"]["font"]["color"] == "#2a3f5f"      # plotly's own default look
    assert template["layout"]["plot_bgcolor"] == "#E5ECF6" and "bar" in template["data"]
    html = engines["django"].from_string('{% include "components.html#plot_scripts" %}').render({})
    assert html.count("data-template=") == 1 and "<script>" not in html
    attribute = re.search(r'data-template="([^"]*)"', html).group(1)
    assert json.loads(unescape(attribute)) == template
