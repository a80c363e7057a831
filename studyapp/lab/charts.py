"""The run page's figures, and the new points a poll sends to grow them.

The page is drawn once with whole figures (`studyapp.plots.figure`);
each poll then sends only what is new, as plain lists keyed by the traces' `meta` names, and
`static/js/lab.js` appends them (Plotly.extendTraces) or, for the predictions, replaces them.
A poll that finds the run behind the page's last step (a reset) sends everything again.
"""

from __future__ import annotations

from studyapp.plots import PALETTE, figure

from .training import RunState

TRAIN_SERIES = ("loss", "grad_norm", "grad_norm_clipped")
BASELINE_NAMES = {
    "constant_guess_mse": "constant guess (always 1)",
    "persistence_mse": "repeat the last value",
    "guess_loss": "guessing (chance)",
    "guess_accuracy": "guessing (chance)",
    "uniform_loss": "uniform guess",
    "unigram_loss": "letter frequencies (unigram)",
    "majority_accuracy": "majority class",
}


def _is_loss(key: str) -> bool:
    return key.endswith("_loss") or key.endswith("_mse")


def _line(**trace) -> dict:
    return {"type": "scatter", **trace}


def _level(value: float, max_steps: int, name: str, dash: str) -> dict:
    """A horizontal reference line across the run's steps."""
    return _line(x=[0, max_steps], y=[value, value], mode="lines", name=name, hoverinfo="name+y",
                 line={"color": "#5b6573", "dash": dash, "width": 1.5})


def _baseline_lines(baseline: dict, max_steps: int, *, loss: bool) -> list[dict]:
    dashes = iter(("dash", "dot", "dashdot"))
    return [_level(value, max_steps, f"baseline: {BASELINE_NAMES.get(key, key)}", next(dashes, "dash"))
            for key, value in baseline.items()
            if _is_loss(key) == loss and (loss or key.endswith("_accuracy"))]


LEGEND = {"orientation": "h", "y": -0.3}
# Log axes labelled 1, 1.5, 2, 3, 5, 7 per decade in plain numbers (plotly's own log ticks print bare digits).
def _log_axis(mantissas) -> dict:
    ticks = [round(m * 10.0 ** e, 12) for e in range(-6, 7) for m in mantissas]
    return {"type": "log", "tickvals": ticks, "ticktext": [f"{v:g}" for v in ticks],
            "gridcolor": "#e6e9ee"}


LOG_AXIS = _log_axis((1, 1.5, 2, 3, 5, 7))      # losses: usually a decade or two
WIDE_LOG_AXIS = _log_axis((1, 2, 5))            # gradient norms: often several decades
MARGIN = {"l": 56, "r": 16, "t": 36, "b": 64}


def _x_axis(max_steps: int) -> dict:
    return {"title": {"text": "training step"}, "range": [0, max_steps], "gridcolor": "#e6e9ee"}


def loss_figure(state: RunState) -> dict:
    history, max_steps = state.history, state.run.max_steps
    steps = list(range(1, len(history["loss"]) + 1))
    traces = [_line(x=steps, y=history["loss"], mode="lines", name="training loss (batch)",
                    meta="loss", line={"color": PALETTE[0], "width": 1}),
              _line(x=history["eval_step"], y=history.get("eval_loss", []),
                    mode="lines+markers", name="evaluation loss", meta="eval_loss",
                    line={"color": PALETTE[1], "width": 2.5}, marker={"size": 6}),
              *_baseline_lines(state.baseline, max_steps, loss=True)]
    return figure(traces, title={"text": "Loss"}, xaxis=_x_axis(max_steps),
                  yaxis={"title": {"text": "loss"}, **LOG_AXIS}, legend=LEGEND, margin=MARGIN, height=360)


def gradient_figure(state: RunState) -> dict:
    history, max_steps = state.history, state.run.max_steps
    steps = list(range(1, len(history["grad_norm"]) + 1))
    traces = [_line(x=steps, y=history["grad_norm"], mode="lines", name="before clipping",
                    meta="grad_norm", line={"color": PALETTE[3], "width": 1.5}),
              _line(x=steps, y=history["grad_norm_clipped"], mode="lines",
                    name="after clipping", meta="grad_norm_clipped",
                    line={"color": PALETTE[2], "width": 1, "dash": "dot"})]
    if state.config["clip"] == "norm":
        limit = state.config["clip_value"]
        traces.append(_level(limit, max_steps, f"clipping threshold ({limit:g})", "dot"))
    return figure(traces, title={"text": "Gradient norm"}, xaxis=_x_axis(max_steps),
                  yaxis={"title": {"text": "global norm"}, **WIDE_LOG_AXIS}, legend=LEGEND, margin=MARGIN, height=320)


def accuracy_figure(state: RunState) -> dict:
    history, max_steps = state.history, state.run.max_steps
    traces = [_line(x=history["eval_step"], y=history.get("eval_accuracy", []),
                    mode="lines+markers", name="evaluation accuracy", meta="eval_accuracy",
                    line={"color": PALETTE[4], "width": 2.5}),
              *_baseline_lines(state.baseline, max_steps, loss=False)]
    return figure(traces, title={"text": "Evaluation accuracy"}, xaxis=_x_axis(max_steps),
                  yaxis={"title": {"text": "accuracy"}, "range": [0, 1.02],
                         "tickformat": ".0%", "gridcolor": "#e6e9ee"}, legend=LEGEND,
                  margin=MARGIN, height=320)


def predictions_figure(state: RunState) -> dict:
    p = state.predictions
    if p["kind"] == "sequence":
        traces = [_line(x=p["t"], y=p["target"], mode="lines+markers", name="target x(t+1)",
                        meta="pred_target", line={"color": "#5b6573"}, marker={"size": 5}),
                  _line(x=p["t"], y=p["predicted"], mode="lines", name="prediction",
                        meta="pred_predicted", line={"color": PALETTE[1], "width": 2.5})]
        return figure(traces, title={"text": "Forecast of one evaluation wave"},
                      xaxis={"title": {"text": "time step t"}},
                      yaxis={"title": {"text": "x(t+1)"}, "range": [-1.3, 1.3]},
                      legend=LEGEND, margin=MARGIN, height=320)
    traces = [_line(x=[0, 2], y=[0, 2], mode="lines", name="perfect", hoverinfo="skip",
                    line={"color": "#5b6573", "dash": "dot", "width": 1.5}),
              _line(x=p["target"], y=p["predicted"], mode="markers", name="sequences",
                    meta="pred_scatter", marker={"color": PALETTE[0], "size": 7, "opacity": 0.7})]
    return figure(traces, title={"text": "Predictions vs targets"},
                  xaxis={"title": {"text": "target (the true sum)"}, "range": [0, 2]},
                  yaxis={"title": {"text": "prediction"}, "range": [-0.2, 2.2]},
                  legend=LEGEND, margin=MARGIN, height=320)


def figures(state: RunState) -> list[dict]:
    """The run's plots: [{'id', 'figure_id', 'label', 'caption', 'data'}] in page order."""
    out = [{"id": "lab-loss", "label": "Training and evaluation loss by step",
            "caption": "The batch loss at every step, the loss on a fixed evaluation set, and "
                       "what a model without memory scores (baseline).",
            "data": loss_figure(state)}]
    if state.classification:
        out.append({"id": "lab-accuracy", "label": "Evaluation accuracy by step",
                    "caption": "Share of scored positions named right, against chance.",
                    "data": accuracy_figure(state)})
    if state.predictions is not None:
        out.append({"id": "lab-predictions", "label": "Predictions against targets",
                    "caption": "What the network answers on evaluation sequences now.",
                    "data": predictions_figure(state)})
    out.append({"id": "lab-gradient", "label": "Gradient norm by step, before and after "
                                               "clipping",
                "caption": "The global gradient norm before and after clipping.",
                "data": gradient_figure(state)})
    for entry in out:
        entry["figure_id"] = f"{entry['id']}-figure"
    return out


def points(state: RunState, since: int | None) -> dict:
    """What a page whose plots end at step `since` lacks: {'step', 'reset', 'extend':
    {meta: {'x', 'y'}}, 'replace': {meta: {'x', 'y'}}}. Everything when since is None or
    beyond the run (it was reset)."""
    history, step = state.history, state.run.step
    reset = since is None or since > step
    start = 0 if reset else since
    extend = {key: {"x": list(range(start + 1, len(history[key]) + 1)),
                    "y": history[key][start:]} for key in TRAIN_SERIES}
    evals = [i for i, s in enumerate(history["eval_step"]) if reset or s > start]
    for key in ("eval_loss", "eval_accuracy"):
        if key in history:
            extend[key] = {"x": [history["eval_step"][i] for i in evals],
                           "y": [history[key][i] for i in evals]}
    replace = {}
    p = state.predictions
    if p is not None and p["kind"] == "sequence":
        replace["pred_target"] = {"x": p["t"], "y": p["target"]}
        replace["pred_predicted"] = {"x": p["t"], "y": p["predicted"]}
    elif p is not None:
        replace["pred_scatter"] = {"x": p["target"], "y": p["predicted"]}
    return {"step": step, "reset": reset, "extend": extend, "replace": replace}
