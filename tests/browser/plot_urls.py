"""The site's URLs plus one page that plots, for the CSP test (no app page plots yet on main)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from studyapp.plots import figure
from studyapp.urls import handler400, handler403, handler404, handler500, urlpatterns as site_urls  # noqa: F401

PAGE = engines["django"].from_string("""{% extends "base.html" %}
{% block head %}{% include "components.html#plot_scripts" %}{% endblock %}
{% block content %}<h1>Loss</h1>{{ figure|json_script:"loss-figure" }}
{% include "components.html#plot" with plot_id="loss-plot" figure_id="loss-figure" label="Training loss" %}
{% endblock %}""")


def plot_page(request):
    fig = figure([{"type": "scatter", "x": list(range(20)), "y": [1 / (1 + t) for t in range(20)], "name": "LSTM"},
                  {"type": "bar", "x": list(range(20)), "y": [0.5 / (1 + t) for t in range(20)], "name": "GRU"}],
                 title={"text": "Loss"}, xaxis={"title": {"text": "step"}}, yaxis={"title": {"text": "loss"}})
    return HttpResponse(PAGE.render({"figure": fig}, request))


urlpatterns = [*site_urls, path("plot-test/", plot_page)]
