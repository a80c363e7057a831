"""The course's one notation (fixtures/README.md, "Notation"): retired symbols are gone.

Sizes are D (input), H (hidden), Q (output); the output scores are s_t = W_y h_t + b_y, the
prediction y-hat_t, the target y_t; the per-step loss L_t(y-hat_t, y_t) with total L = sum of
L_t; the correct class is y_t; a scalar added to every score is alpha; the indicator is 1[i = j];
c is only the LSTM cell. Each check below names a symbol that used to mean something else.

NOTATION_CHECKED lists the topic files already converted; the others join it as they are.
"""

import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

COURSE = Path(settings.COURSE_DIR, "course")
NOTATION_CHECKED = [
    "010-sequences.toml",
    "020-feedforward-vs-recurrent.toml",
    "030-hidden-state.toml",
    "040-architectures.toml",
    "050-bptt.toml",
    "060-activation-functions.toml",
    "070-loss-functions.toml",
    "080-vanishing-exploding-gradients.toml",
    "090-lstm.toml",
    "100-gru.toml",
    "110-bidirectional-rnns.toml",
    "120-deep-rnns.toml",
    "130-applications.toml",
    "140-rnns-and-transformers.toml",
]

_SIZE_LETTERS = "dnmpqK"  # the sizes of 020 (n, m, p), 030 (d, n, q) and the classes K of 060/070

# (what it was, pattern): each pattern matches the retired use, not the letter in general.
RETIRED = [
    ("scores named o_t or z_t (o is the LSTM's output gate, z the GRU's update gate)",
     re.compile(r"\b[oz]_\{?t\}?\s*=\s*W_y|\\partial\s*[oz]_|softmax\}?\s*\(\s*[oz]_"
                r"|(?<!write the )(?<!, )\b(?:through|scores?|outputs?|logits)\s+\$[oz]_t\$")),
    ("the output written y_t (y is the target)",
     re.compile(r"\by_\{?t\}?\s*=\s*W|\by\s*=\s*W_2|\boutput\s+\(?\$y_t\$")),
    ("the prediction written as the raw scores (y-hat_t = W_y h_t + ...)",
     re.compile(r"\\hat\{y\}(?:_\{?t\}?|_\{?T_x\}?)?\s*=\s*W_y")),
    ("c as the output bias (c is the LSTM cell)",
     re.compile(r"\+\s*c\s*(?=[$),|]|\\\)|$)|\\partial\s*c\s*\}|\|\s*\$c\$\s*\|\s*output bias", re.M)),
    ("a scalar shift written + c (the scalar is alpha)", re.compile(r"softmax\}?\(\s*[xs]\s*\+\s*c\b")),
    ("c_t as the correct class (the correct class is y_t; c_t is the LSTM cell)",
     re.compile(r"_\{\s*t\s*,\s*c_t\s*\}|\bc_t\$?\s+(?:is\s+)?the correct")),
    ("the Kronecker delta (delta is only the gradient delta_t; the indicator is 1[i = j])",
     re.compile(r"\\delta_\{?ij\}?|\\delta_\{i\s*,?\s*j\}|Kronecker")),
    ("the per-step loss written ell_t or L_t, or the loss written L (L is the number of layers)",
     re.compile(r"\\ell_|\\partial\s*L\b|(?<![\\{a-zA-Z])L_t\b|\bL\s*=\s*\\sum")),
    ("the loss with the target first (the prediction comes first)",
     re.compile(r"\\mathcal\{L\}_t\s*\(\s*y_t\s*,")),
    ("a truncation length k (it is tau)", re.compile(r"(?:chunks|window) of (?:length |\w+ )?\$k\$")),
    ("lowercase sizes d, n, m, p, q or K classes (sizes are D, H, Q)",
     re.compile(rf"\\mathbb\{{R\}}\^\{{?\s*(?:[{_SIZE_LETTERS}](?![_a-zA-Z])|[^{{}}$]*\\times\s*[{_SIZE_LETTERS}]"
                rf"(?![_a-zA-Z])|[{_SIZE_LETTERS}]\s*\\times)"
                rf"|\$[{_SIZE_LETTERS}]\$-dimensional|\bsize \$[{_SIZE_LETTERS}]\$|\$K\$ classes")),
]


def strings(value):
    """Every text in a parsed TOML document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def retired_uses(text):
    return [(what, match.group()) for what, pattern in RETIRED for match in pattern.finditer(text)]


def test_the_checked_files_exist():
    assert all((COURSE / name).is_file() for name in NOTATION_CHECKED)


@pytest.mark.parametrize("name", NOTATION_CHECKED)
def test_retired_symbols_are_gone(name):
    data = tomllib.loads((COURSE / name).read_text(encoding="utf-8"))
    found = [f"{what}: {hit!r} in {text[:80]!r}" for text in strings(data) for what, hit in retired_uses(text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("text", [
    r"$$ y_t = W_y h_t + c $$",
    r"$o_t = W_y h_t + c$",
    r"the scores $z_t = W_y h_t + c$",
    r"$\frac{\partial L}{\partial o_t} = \hat{y}_t - y_t$",
    r"$h_t$ affects the loss through $o_t$ (giving ...)",
    r"$\hat{y}_t = W_y h_t + c$",
    r"$\hat{y} = W_y h_{T_x} + c$",
    r"$\text{softmax}(W_y h_t + c)$",
    r"| $c$ | output bias | $\mathbb{R}^{q}$ |",
    r"$\text{softmax}(x + c) = \text{softmax}(x)$",
    r"$-\frac{1}{T} \sum_{t} \log \hat{y}_{t, c_t}$",
    r"where $c_t$ is the correct class",
    r"$s_i (\delta_{ij} - s_j)$",
    r"$\mathcal{L} = \frac{1}{T} \sum_{t=1}^{T} \ell_t(y_t, \hat{y}_t)$",
    r"$L = \sum_{t=1}^{T} L_t$",
    r"$\mathcal{L}_t(y_t, \hat{y}_t)$",
    r"split into consecutive chunks of length $k$",
    r"$W_x \in \mathbb{R}^{n \times d}$",
    r"$x \in \mathbb{R}^{d}$",
    r"$W_2 \in \mathbb{R}^{p \times m}$",
    r"$y = W_2 h + b_2$",
    r"each mapped to a $d$-dimensional embedding",
    r"a probability distribution over $K$ classes",
    r"the output $y_t$ at time step $t$",
])
def test_each_retired_use_is_caught(text):
    assert retired_uses(text), text


@pytest.mark.parametrize("text", [
    r"$s_t = W_y h_t + b_y$, $\hat{y}_t = \operatorname{softmax}(s_t)$, target $y_t$",
    r"$\hat{y}_t = s_t = W_y h_t + b_y$",
    r"$\frac{\partial \mathcal{L}}{\partial s_t} = \hat{y}_t - y_t$",
    r"$\mathcal{L} = \sum_{t=1}^{T} \mathcal{L}_t(\hat{y}_t, y_t)$",
    r"$-\log \hat{y}_{t, y_t}$",
    r"$\hat{y}_i (\mathbb{1}[i = j] - \hat{y}_j)$",
    r"$\text{softmax}(s + \alpha \mathbf{1}) = \text{softmax}(s)$",
    r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$, $o_t = \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o)$",
    r"$z_t = \sigma(W_{xz} x_t + W_{hz} h_{t-1} + b_z)$",
    r"for an LSTM, whose state is the pair $(h, c)$, detach both",
    r"$W_x \in \mathbb{R}^{H \times D}$, $W_1 \in \mathbb{R}^{H \times TD}$, $\mathbb{R}^{d_{\text{model}}}$",
    r"chunks of length $\tau$; $h_k$ and $h_t$, $t - k$ steps apart",
    r"$h_t^{(l)}$ for layers $l = 1, \dots, L$",
    r"(some texts write the scores $o_t$ and the output bias $c$)",
])
def test_the_notation_itself_passes(text):
    assert not retired_uses(text), retired_uses(text)
