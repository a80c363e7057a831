"""The statistics as plotly figures (`studyapp/plots.py`'s style), one function per figure.

Each takes the plain data of `review/statistics.py` and returns a plain figure
(`plots.figure`) for a `json_script`; the numbers are also in the page's text and tables (for
screen readers and without JavaScript), so a figure never holds a number the page does not.
"""

from __future__ import annotations

from datetime import timedelta

from studyapp.plots import PALETTE, figure

from . import scheduling
from .statistics import CardHistory, Statistics

BLUE, RED, GREEN, ORANGE, PURPLE, TEAL = PALETTE
LEARNING, YOUNG, MATURE = ORANGE, "#7fb07f", GREEN
RATING_COLOURS = {1: RED, 2: ORANGE, 3: GREEN, 4: BLUE}
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
COMPACT = {"margin": {"l": 48, "r": 12, "t": 12, "b": 40}, "height": 300}
TOP_LEGEND = {"orientation": "h", "y": 1.12}


def _level_line(y: float, text: str, colour: str, *, right: bool) -> dict:
    """Layout for a dashed horizontal line across the plot with its label."""
    return {"shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
                        "line": {"color": colour, "dash": "dash", "width": 1.5}}],
            "annotations": [{"text": text, "xref": "paper", "x": 1 if right else 0,
                             "xanchor": "right" if right else "left", "yref": "y", "y": y,
                             "yanchor": "bottom", "showarrow": False, "font": {"size": 11}}]}


def _bar(name: str, colour: str, **trace) -> dict:
    return {"type": "bar", "name": name, "marker": {"color": colour}, **trace}


def calendar_figure(stats: Statistics) -> dict:
    """Reviews per day over the past year: weeks across, weekdays down (a calendar heatmap)."""
    first = stats.calendar[0][0]
    monday = first - timedelta(days=first.weekday())
    weeks = (stats.today - monday).days // 7 + 1
    z = [[None] * weeks for _ in range(7)]
    text = [[""] * weeks for _ in range(7)]
    for day, count in stats.calendar:
        week, weekday = (day - monday).days // 7, day.weekday()
        z[weekday][week] = count
        text[weekday][week] = f"{day:%a %-d %b %Y}: {count} review{'s' if count != 1 else ''}"
    heatmap = {
        "type": "heatmap", "name": "reviews",
        "x": [(monday + timedelta(weeks=w)).isoformat() for w in range(weeks)], "y": WEEKDAYS, "z": z,
        "text": text, "hovertemplate": "%{text}<extra></extra>", "xgap": 2, "ygap": 2, "showscale": False,
        "hoverongaps": False, "colorscale": [[0, "#eef1f4"], [0.0001, "#c6e6cf"], [0.4, "#63b57f"], [1, "#14532d"]],
        "zmin": 0, "zmax": max([count for _, count in stats.calendar] + [1])}
    return figure([heatmap], height=220, margin={"l": 40, "r": 12, "t": 8, "b": 32},
                  xaxis={"type": "date", "showgrid": False, "tickformat": "%b", "dtick": "M1"},
                  yaxis={"autorange": "reversed", "showgrid": False, "fixedrange": True},
                  plot_bgcolor="rgba(0,0,0,0)")


def forecast_figure(stats: Statistics) -> dict:
    """Cards due on each of the next 30 days, stacked by learning, young and mature."""
    days = [f.day.isoformat() for f in stats.forecast]
    traces = [_bar(name, colour, x=days, y=values,
                   hovertemplate="%{x|%a %-d %b}: %{y} " + name.lower() + "<extra></extra>")
              for name, colour, values in (("Learning", LEARNING, [f.learning for f in stats.forecast]),
                                           ("Young", YOUNG, [f.young for f in stats.forecast]),
                                           ("Mature", MATURE, [f.mature for f in stats.forecast]))]
    return figure(traces, barmode="stack", **COMPACT, xaxis={"type": "date", "tickformat": "%-d %b"},
                  yaxis={"title": {"text": "cards due"}, "rangemode": "tozero"}, legend=TOP_LEGEND)


def retention_figure(stats: Statistics) -> dict:
    """True retention of young and mature cards per period, beside the desired retention."""
    labels = [row.label for row in stats.retention]
    traces = [_bar(name, colour, x=labels, y=[r.share for r in ratios],
                   customdata=[[r.passed, r.total] for r in ratios],
                   hovertemplate=name + ", %{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})<extra></extra>")
              for name, colour, ratios in (("Young", YOUNG, [row.young for row in stats.retention]),
                                           ("Mature", MATURE, [row.mature for row in stats.retention]))]
    return figure(traces, barmode="group", **COMPACT,
                  yaxis={"title": {"text": "passed"}, "tickformat": ".0%", "range": [0, 1.05]}, legend=TOP_LEGEND,
                  **_level_line(stats.desired_retention, f"desired {stats.desired_retention:.0%}", BLUE, right=True))


def states_figure(stats: Statistics) -> dict:
    """The cards by state, as a ring."""
    names = ["New", "Learning", "Review", "Relearning", "Suspended"]
    colours = [BLUE, ORANGE, GREEN, RED, "#9aa3ad"]
    values = [stats.states[name.lower()] for name in names]
    ring = {"type": "pie", "labels": names, "values": values, "hole": 0.55, "marker": {"colors": colours},
            "sort": False, "text": [str(v) if v else "" for v in values], "textinfo": "text",
            "hovertemplate": "%{label}: %{value} cards (%{percent})<extra></extra>"}
    return figure([ring], height=300, margin={"l": 12, "r": 12, "t": 12, "b": 12}, showlegend=True,
                  legend={"orientation": "v", "x": 1, "y": 0.5})


def topics_figure(stats: Statistics) -> dict:
    """Per topic, the share of its cards seen and mature."""
    titles = [p.topic.title for p in stats.topics]
    traces = [
        _bar("Seen", "#c9d8f0", y=titles, x=[p.seen_share for p in stats.topics], orientation="h",
             customdata=[[p.seen, p.cards] for p in stats.topics],
             hovertemplate="%{y}: %{customdata[0]} of %{customdata[1]} seen<extra></extra>"),
        _bar("Mature", MATURE, y=titles, x=[p.mature_share for p in stats.topics], orientation="h", width=0.45,
             customdata=[[p.mature, p.cards] for p in stats.topics],
             hovertemplate="%{y}: %{customdata[0]} of %{customdata[1]} mature<extra></extra>")]
    return figure(traces, barmode="overlay", height=max(220, 34 * len(titles) + 80),
                  margin={"l": 12, "r": 12, "t": 12, "b": 40}, xaxis={"tickformat": ".0%", "range": [0, 1]},
                  yaxis={"autorange": "reversed", "automargin": True}, legend={"orientation": "h", "y": -0.15})


def retrievability_figure(stats: Statistics) -> dict:
    """How many cards have each current retrievability (5% bins)."""
    bins = stats.retrievability_bins
    histogram = _bar("cards", TEAL, x=[(low + high) / 2 for low, high, _ in bins], y=[n for _, _, n in bins],
                     width=4.6, customdata=[[low, high] for low, high, _ in bins],
                     hovertemplate="%{customdata[0]}–%{customdata[1]}%: %{y} cards<extra></extra>")
    return figure([histogram], **COMPACT, bargap=0.05,
                  xaxis={"title": {"text": "predicted recall now"}, "ticksuffix": "%", "range": [0, 100]},
                  yaxis={"title": {"text": "cards"}, "rangemode": "tozero"})


def buttons_figure(stats: Statistics) -> dict:
    """Answer-button counts over the past year, for learning, young and mature cards."""
    traces = [_bar(RATING_NAMES[rating], RATING_COLOURS[rating], x=[row.label for row in stats.buttons],
                   y=[row.counts[rating - 1] for row in stats.buttons],
                   hovertemplate="%{x}: %{y} × " + RATING_NAMES[rating] + "<extra></extra>")
              for rating in (1, 2, 3, 4)]
    return figure(traces, barmode="group", **COMPACT, yaxis={"title": {"text": "answers"}, "rangemode": "tozero"},
                  legend=TOP_LEGEND)


def time_figure(stats: Statistics) -> dict:
    """Minutes spent reviewing on each of the past 30 days."""
    bars = _bar("minutes", PURPLE, x=[day.isoformat() for day, _ in stats.time_per_day],
                y=[round(ms / 60000, 1) for _, ms in stats.time_per_day],
                hovertemplate="%{x|%a %-d %b}: %{y} min<extra></extra>")
    return figure([bars], **COMPACT, xaxis={"type": "date", "tickformat": "%-d %b"},
                  yaxis={"title": {"text": "minutes"}, "rangemode": "tozero"})


def statistics_figures(stats: Statistics) -> dict[str, dict]:
    """Every figure of the statistics page, by the id its json_script gets."""
    figures = {"calendar": calendar_figure(stats), "forecast": forecast_figure(stats),
               "retention": retention_figure(stats), "states": states_figure(stats),
               "retrievability": retrievability_figure(stats), "buttons": buttons_figure(stats),
               "time": time_figure(stats)}
    if stats.topic is None and stats.topics:
        figures["topics"] = topics_figure(stats)
    return figures


def curve_figure(history: CardHistory) -> dict:
    """The card's forgetting curve: fsrs's predicted recall over time, the reviews on it, today."""
    zone_name = history.settings.time_zone or "UTC"
    zone = scheduling.zone_of(history.settings)
    iso = lambda moment: moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    lowest = min([p.retrievability for p in history.curve] + [history.settings.desired_retention])
    traces = [{"type": "scatter", "mode": "lines", "name": "Forgetting curve",
               "x": [iso(p.at) for p in history.curve], "y": [p.retrievability for p in history.curve],
               "line": {"color": BLUE, "width": 2, "shape": "hv" if history.daily else "linear"},
               "hovertemplate": "%{x|%-d %b %Y}: %{y:.1%}<extra></extra>"}]
    for rating in (1, 2, 3, 4):
        points = [p for p, r in zip(history.reviews, history.ratings, strict=True) if r == rating]
        if points:
            traces.append({"type": "scatter", "mode": "markers", "name": RATING_NAMES[rating],
                           "x": [iso(p.at) for p in points], "y": [p.retrievability for p in points],
                           "marker": {"color": RATING_COLOURS[rating], "size": 10,
                                      "line": {"color": "#ffffff", "width": 1.5}},
                           "hovertemplate": RATING_NAMES[rating] + " on %{x|%-d %b %Y %H:%M}, recall %{y:.1%}<extra></extra>"})
    if history.today is not None:
        traces.append({"type": "scatter", "mode": "markers+text", "name": "Today",
                       "x": [iso(history.today.at)], "y": [history.today.retrievability],
                       "text": [f"today {history.today.retrievability:.0%}"], "textposition": "top right",
                       "marker": {"color": "#1d232b", "size": 12, "symbol": "diamond"},
                       "hovertemplate": "Today: %{y:.1%}<extra></extra>"})
    desired = history.settings.desired_retention
    return figure(traces, height=340, margin={"l": 56, "r": 16, "t": 16, "b": 44},
                  xaxis={"type": "date", "title": {"text": f"date ({zone_name})"}},
                  yaxis={"title": {"text": "predicted recall"}, "tickformat": ".0%",
                         "range": [max(0.0, lowest - 0.1), 1.03]},
                  legend={"orientation": "h", "y": -0.25},
                  **_level_line(desired, f"desired {desired:.0%}", "#9aa3ad", right=False))
