"""Build small course folders (sources.toml + course/*.toml) for loader and page tests."""

import textwrap

SOURCES = """
[000]
title = "Questions, flashcards and notes"
file = "000.txt"
"""

HIDDEN_STATE = r"""
slug = "hidden-state"
title = "Hidden state"
order = 30
summary = "How an RNN remembers."

[[notes]]
slug = "hs-recurrence"
title = "The recurrence"
source = "000"
body = '''
The hidden state is updated by

$$
h_t = \tanh(W_x x_t + W_h h_{t-1} + b)
$$

with $W_x = \begin{bmatrix} 0.1 & 0.2 \\ 0.3 & 0.4 \end{bmatrix}$.
'''

[[cards]]
slug = "hs-card"
front = "Hidden state ($h_t$)"
back = "The network's memory of the sequence so far."
source = "000"
source_ref = "F8"

[[questions]]
slug = "hs-question"
cards = ["hs-card"]
text = "What is the primary function of the hidden state in an RNN?"
source = "000"
source_ref = "Q3"
explanation = "It combines the current input with the previous state."

  [[questions.options]]
  text = "To normalize input data."

  [[questions.options]]
  text = "To capture information from the current input and the previous hidden state."
  correct = true

  [[questions.options]]
  text = "To manage gradients."

  [[questions.options]]
  text = "To be the final output."
"""

GRU = r'''
slug = "gru"
title = "GRU"
order = 100
summary = "Gated recurrent units."

[[cards]]
slug = "gru-card"
front = "Update gate ($z_t$)"
back = "Decides how much of $h_{t-1}$ to keep."
source = "000"
'''


def write_course(root, topics=None, sources=SOURCES):
    """Write a course folder under `root`; `topics` maps file names to TOML text."""
    topics = {"030-hidden-state.toml": HIDDEN_STATE, "100-gru.toml": GRU} if topics is None else topics
    (root / "course").mkdir(parents=True, exist_ok=True)
    (root / "sources.toml").write_text(textwrap.dedent(sources))
    for old in (root / "course").glob("*.toml"):
        old.unlink()
    for name, text in topics.items():
        (root / "course" / name).write_text(text)
    return root
