"""plotly.js is served from the plotly package (no CDN); figures reach templates as data."""

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from studyapp.plots import figure_data, site_figure


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


def test_figure_data_is_plain_json_with_the_site_layout():
    import numpy as np
    fig = site_figure(title="Loss")
    fig.add_scatter(x=[0, 1, 2], y=np.array([3.0, 2.0, 1.5]))
    data = figure_data(fig)
    assert data["layout"]["title"]["text"] == "Loss"
    assert data["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    assert data["data"][0]["x"] == [0, 1, 2]
