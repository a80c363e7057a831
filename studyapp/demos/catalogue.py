"""The catalogue: every demo, and which course topics it belongs to (topic -> its demos).

`/demos/` lists it; each topic page lists its demos through `{% topic_demos topic %}`
(templatetags/demo_tags.py), so the course app never imports this one. A demo is a module of
its own (its computation, the only code that calls rnncore), a form in forms.py, and a
template `templates/demos/<module>.html` with the partial `output` (and `controls` where the
form's fields need a layout of their own; otherwise demo_detail.html lays them out).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from django.urls import reverse

from . import (activations, bidirectional, feedforward_recurrent, forms, forward_pass,
               gradient_flow, gru_cell, hidden_state, losses, lstm_cell)


@dataclass(frozen=True)
class Demo:
    slug: str
    title: str
    summary: str
    topics: tuple[str, ...]          # course topic slugs, the first the demo's home topic
    module: ModuleType
    form_class: type[forms.DemoForm]

    @property
    def template(self) -> str:
        """templates/demos/<module>.html: the partial `output` (and `controls`, if its own)."""
        return f"demos/{self.module.__name__.rsplit('.', 1)[-1]}.html"

    @property
    def controls_template(self) -> str:
        return (f"{self.template}#controls" if self.form_class.own_controls
                else "demos/demo_detail.html#controls")

    def get_absolute_url(self) -> str:
        return reverse("demos:demo", args=[self.slug])

    def compute(self, params: dict) -> dict:
        return self.module.compute(**params)


DEMOS: tuple[Demo, ...] = (
    Demo("feedforward-vs-recurrent", "Feedforward vs recurrent: one network for any length",
         "A pattern in an otherwise-zero sequence, read by a feedforward network over the "
         "concatenated input ($W_1$ is $H \\times TD$) and by an RNN: parameters against $T$, "
         "and what moving the pattern to another step does to each.",
         ("feedforward-vs-recurrent", "sequences"), feedforward_recurrent,
         forms.FeedforwardRecurrentForm),
    Demo("hidden-state", "Hidden state, step by step",
         "Edit $W_x$, $W_h$, $b$, $x_1$ and $h_0$ and watch every intermediate of "
         "$h_1 = f(W_x x_1 + W_h h_0 + b)$, then the output layer and the next step.",
         ("hidden-state",), hidden_state, forms.HiddenStateForm),
    Demo("forward-propagation", "Forward propagation through a sequence",
         "Run a short input through an RNN: the hidden states over time as a heatmap and the "
         "unrolled network with its current values.",
         ("hidden-state", "rnn-architectures"), forward_pass, forms.ForwardPassForm),
    Demo("lstm-cell", "LSTM cell, step by step",
         "Edit the stacked weights, $x_t$, $h_{t-1}$ and $c_{t-1}$ and watch every gate: "
         "$i_t$, $f_t$, $o_t$ and the candidate $g_t$, then $c_t$ and $h_t$; shift the forget "
         "gate's bias and see the cell kept or wiped over a sequence.",
         ("lstm",), lstm_cell, forms.LSTMCellForm),
    Demo("gru-cell", "GRU cell, step by step",
         "Edit the stacked weights, biases, $x_t$ and $h_{t-1}$ and watch the reset gate $r_t$, "
         r"the update gate $z_t$, the candidate $\tilde{h}_t$ and $h_t$; shift the gates' biases "
         "and see what the candidate uses and what the state keeps.",
         ("gru",), gru_cell, forms.GRUCellForm),
    Demo("bidirectional-stacked", "Bidirectional and stacked RNNs",
         "Run a short input through an RNN of one to three layers, one direction or two: every "
         "layer's forward and backward states over time, the output "
         r"$[\overrightarrow{h}_t ; \overleftarrow{h}_t]$ at each step, what `h_n` holds (and "
         "why `output[-1]` is not it) and the parameters of each layer.",
         ("bidirectional-rnns", "deep-rnns"), bidirectional, forms.BidirectionalForm),
    Demo("activation-functions", "Activation functions and their derivatives",
         "Sigmoid, tanh, ReLU and softmax with their derivatives: where they saturate, and what "
         "a chain of $T$ derivatives does to a gradient.",
         ("activation-functions", "vanishing-exploding-gradients"), activations,
         forms.ActivationsForm),
    Demo("losses", "Losses: MSE, cross-entropy and CTC",
         "Small editable examples of each loss; for CTC every alignment listed and summed.",
         ("loss-functions",), losses, forms.LossesForm),
    Demo("vanishing-gradients", "BPTT and vanishing or exploding gradients",
         r"$\lVert \partial \mathcal{L} / \partial h_t \rVert$ against $t$ for an RNN whose "
         r"spectral radius $\rho(W_h)$ you set, beside an LSTM and a GRU on the same input; "
         "and clipping by norm over a few training steps.",
         ("vanishing-exploding-gradients", "bptt"), gradient_flow, forms.GradientFlowForm),
)

_BY_SLUG = {demo.slug: demo for demo in DEMOS}


def get(slug: str) -> Demo | None:
    return _BY_SLUG.get(slug)


def for_topic(topic_slug: str) -> list[Demo]:
    """The demos of one topic, in catalogue order."""
    return [demo for demo in DEMOS if topic_slug in demo.topics]


def topic_slugs() -> list[str]:
    """Every topic some demo belongs to, in the order first met."""
    seen: dict[str, None] = {}
    for demo in DEMOS:
        for slug in demo.topics:
            seen.setdefault(slug, None)
    return list(seen)
