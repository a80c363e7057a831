"""Generated questions: each generator's answer against an independent NumPy computation from
the drawn inputs, over many seeds; each named distractor is what its mistake gives and differs
from the answer and the others after rounding; the same seed gives the same question."""

import itertools
import json
import math

import numpy as np
import pytest

from studyapp.quiz import generation
from studyapp.quiz.generation import GENERATORS, GeneratedQuestion, generate, solution_markdown

SEEDS = range(60)


def sig(a):
    return 1 / (1 + np.exp(-np.asarray(a, dtype=float)))


def arr(x):
    return np.asarray(x, dtype=float)


# ---- independent computations: (answer, {mistake name: value}) from a question's params ----

def rnn_pre(p, W_x=None, W_h=None, h=None, b=None):
    W_x = arr(p["W_x"]) if W_x is None else W_x
    W_h = arr(p["W_h"]) if W_h is None else W_h
    h = arr(p["h_prev"]) if h is None else h
    b = arr(p["b"]) if b is None else b
    return W_x @ arr(p["x"]) + W_h @ h + b


def ind_matvec(p):
    W_x, W_h, x, h = arr(p["W_x"]), arr(p["W_h"]), arr(p["x"]), arr(p["h_prev"])
    return W_x @ x, {"$W_x$ transposed": W_x.T @ x, "$W_h$ used for $W_x$": W_h @ x,
                     "$h_{t-1}$ used for $x_t$": W_x @ h,
                     "Entrywise product": np.diag(W_x) * x}


def ind_preactivation(p):
    W_x, W_h = arr(p["W_x"]), arr(p["W_h"])
    return rnn_pre(p), {
        "Forgot the bias": rnn_pre(p, b=np.zeros(2)),
        "Forgot the recurrent term": rnn_pre(p, h=np.zeros(2)),
        "$W_x$ and $W_h$ swapped": rnn_pre(p, W_x=W_h, W_h=W_x),
        "Both matrices transposed": rnn_pre(p, W_x=W_x.T, W_h=W_h.T)}


def ind_rnn_step(p):
    f = np.tanh if p["nonlinearity"] == "tanh" else (lambda a: np.maximum(a, 0))
    a = rnn_pre(p)
    return f(a), {
        "Sigmoid instead of tanh": sig(a), "tanh instead of ReLU": np.tanh(a),
        "Forgot the bias": f(rnn_pre(p, b=np.zeros(2))), "Forgot the activation": a,
        "$W_x$ and $W_h$ swapped": f(rnn_pre(p, W_x=arr(p["W_h"]), W_h=arr(p["W_x"])))}


def ind_output_layer(p):
    W, b, h, hp = arr(p["W_y"]), arr(p["b_y"]), arr(p["h"]), arr(p["h_prev"])
    s = W @ h + b
    e = np.exp(s)
    mistakes = {"Forgot the bias": W @ h, "$h_{t-1}$ used for $h_t$": W @ hp + b,
                "Softmax applied": e / e.sum()}
    if W.shape[0] == W.shape[1]:
        mistakes["$W_y$ transposed"] = W.T @ h + b
    return s, mistakes


def lstm(p, W_x=None, W_h=None, b=None, h=None, c=None):
    W_x = arr(p["W_x"])[:, 0] if W_x is None else W_x
    W_h = arr(p["W_h"])[:, 0] if W_h is None else W_h
    b = arr(p["b"]) if b is None else b
    h = p["h_prev"][0] if h is None else h
    c = p["c_prev"][0] if c is None else c
    a = W_x * p["x"][0] + W_h * h + b
    i, f, g, o = sig(a[0]), sig(a[1]), np.tanh(a[2]), sig(a[3])
    c_new = f * c + i * g
    return {"a": a, "i": i, "f": f, "g": g, "o": o, "c": c_new, "h": o * np.tanh(c_new)}


def ind_lstm(p):
    k = p["asked"]
    v = lstm(p)
    sw = [1, 0, 2, 3]
    if k in "ifgo":
        j = "ifgo".index(k)
        b0 = arr(p["b"]).copy()
        b0[j] = 0
        return v[k], {"tanh instead of sigmoid": np.tanh(v["a"][j]),
                      "Sigmoid instead of tanh": sig(v["a"][j]),
                      "Forgot the bias": lstm(p, b=b0)[k],
                      "Forgot the recurrent term": lstm(p, h=0.0)[k],
                      "Forgot the activation": v["a"][j]}
    swapped = lstm(p, W_x=arr(p["W_x"])[sw, 0], W_h=arr(p["W_h"])[sw, 0], b=arr(p["b"])[sw])
    if k == "c":
        return v["c"], {"Forgot what the cell keeps": v["i"] * v["g"],
                        "$i_t$ and $f_t$ swapped": swapped["c"],
                        "$h_{t-1}$ used for $c_{t-1}$": lstm(p, c=p["h_prev"][0])["c"],
                        "Sigmoid instead of tanh for the candidate":
                            v["f"] * p["c_prev"][0] + v["i"] * sig(v["a"][2])}
    return v["h"], {"Forgot the tanh of $c_t$": v["o"] * v["c"],
                    "Forgot the output gate": np.tanh(v["c"]),
                    "$c_{t-1}$ used for $c_t$": v["o"] * np.tanh(p["c_prev"][0]),
                    "$i_t$ and $f_t$ swapped": swapped["h"]}


def gru(p, b_x=None, b_hn=None, h=None, reset=True, after=True):
    W_x, W_h = arr(p["W_x"])[:, 0], arr(p["W_h"])[:, 0]
    b_x = arr(p["b_x"]) if b_x is None else b_x
    b_hn = p["b_h"][2] if b_hn is None else b_hn
    h = p["h_prev"][0] if h is None else h
    x = p["x"][0]
    ar, az = W_x[0] * x + b_x[0] + W_h[0] * h, W_x[1] * x + b_x[1] + W_h[1] * h
    r, z = sig(ar), sig(az)
    rr = r if reset else 1.0
    inner = rr * (W_h[2] * h + b_hn) if after else W_h[2] * (rr * h) + b_hn
    an = W_x[2] * x + b_x[2] + inner
    n = np.tanh(an)
    return {"ar": ar, "az": az, "r": r, "z": z, "n": n, "an": an, "h": (1 - z) * n + z * h}


def ind_gru(p):
    k = p["asked"]
    v = gru(p)
    h = p["h_prev"][0]
    if k in "rz":
        j = "rz".index(k)
        b0 = arr(p["b_x"]).copy()
        b0[j] = 0
        a = v["a" + k]
        return v[k], {"tanh instead of sigmoid": np.tanh(a), "Forgot the bias": gru(p, b_x=b0)[k],
                      "Forgot the recurrent term": gru(p, h=0.0)[k],
                      "Forgot the activation": a}
    if k == "n":
        return v["n"], {"Reset gate forgotten": gru(p, reset=False)["n"],
                        "$r_t$ applied before $W_{hn}$": gru(p, after=False)["n"],
                        "Sigmoid instead of tanh": sig(v["an"]),
                        "Forgot the biases": gru(p, b_x=[p["b_x"][0], p["b_x"][1], 0.0],
                                                 b_hn=0.0)["n"]}
    return v["h"], {"$z_t$ the wrong way round": v["z"] * v["n"] + (1 - v["z"]) * h,
                    "Reset gate forgotten": gru(p, reset=False)["h"],
                    "Gave the candidate": v["n"],
                    "$r_t$ applied before $W_{hn}$": gru(p, after=False)["h"]}


def ind_softmax(p):
    s, y = arr(p["s"]), p["y"]
    q = np.exp(s) / np.exp(s).sum()
    if p["asked"] == "loss":
        m = int(np.argmax(s))
        return -math.log(q[y]), {"Base-10 logarithm": -math.log10(q[y]),
                                 "Forgot to normalise": -s[y],
                                 "Forgot the minus sign": math.log(q[y]),
                                 "Used the predicted class": -math.log(q[m])}
    one = np.eye(3)[y]
    return q - one, {"Forgot to subtract the target": q, "Sign flipped": one - q,
                     "Used the scores": s - one}


def ind_mse(p):
    d = arr(p["y_hat"]) - arr(p["y"])
    mse = np.mean(d ** 2)
    return mse, {"Summed instead of averaged": np.sum(d ** 2),
                 "Absolute errors (MAE)": np.mean(np.abs(d)),
                 "Took the square root (RMSE)": math.sqrt(mse),
                 "Squared the mean error": np.mean(d) ** 2}


def collapse(path):
    return [k for k, _ in itertools.groupby(path) if k != 0]


def ind_ctc(p):
    probs, target = arr(p["probs"]), p["target"]
    T = len(probs)
    paths = [pi for pi in itertools.product(range(3), repeat=T) if collapse(pi) == target]
    value = {pi: math.prod(probs[t, k] for t, k in enumerate(pi)) for pi in paths}

    def repeat(pi):
        return any(a == b != 0 for a, b in zip(pi, pi[1:]))

    mistakes = {"Only the best path": max(value.values()),
                "Repeats not merged": sum(v for pi, v in value.items() if not repeat(pi)),
                "No blanks at the ends": sum(v for pi, v in value.items()
                                             if pi[0] != 0 and pi[-1] != 0)}
    if len(target) == 1:
        mistakes["Did not collapse"] = math.prod(probs[t, target[0]] + probs[t, 0]
                                                 for t in range(T))
    return sum(value.values()), mistakes


BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}


def count(cell, D, H, L, bi, biases):
    """Parameters of torch.nn.<cell>(D, H, L, bidirectional=bi), one or two biases per block."""
    G, dirs, nb = BLOCKS[cell], 2 if bi else 1, 1 if biases == "one" else 2
    total = 0
    for layer in range(L):
        inputs = D if layer == 0 else dirs * H
        total += dirs * G * (H * inputs + H * H + nb * H)
    return total


def ind_parameters(p):
    c, D, H, L, bi, nb = p["cell"], p["D"], p["H"], p["num_layers"], p["bidirectional"], p["biases"]
    dirs = 2 if bi else 1
    answer = count(c, D, H, L, bi, nb)
    other = "two" if nb == "one" else "one"
    mistakes = {
        "One bias counted instead of two": count(c, D, H, L, bi, other),
        "Two biases counted instead of one": count(c, D, H, L, bi, other),
        "Forgot the biases": answer - L * dirs * BLOCKS[c] * H * (1 if nb == "one" else 2),
        "One block only": count("rnn", D, H, L, bi, nb),
        "$W_h$ counted as $H \\times D$": answer - L * dirs * (H * H - H * D),
        "One layer only": count(c, D, H, 1, bi, nb),
        "Every layer reads D inputs": L * dirs * BLOCKS[c] * (H * D + H * H + (1 if nb == "one" else 2) * H),
        "One direction only": count(c, D, H, L, False, nb),
    }
    if c != "rnn":
        wrong = "gru" if c == "lstm" else "lstm"
        mistakes[f"{BLOCKS[wrong]} blocks instead of {BLOCKS[c]}"] = count(wrong, D, H, L, bi, nb)
    return answer, mistakes


def ind_architecture_shapes(p):
    T, N, H, Q = p["T"], p["N"], p["H"], p["Q"]
    if p["architecture"] == "many_to_one":
        return (N, Q), {"A score at every step": (T, N, Q), "The hidden state": (N, H),
                        "Batch and classes swapped": (Q, N)}
    return (T, N, Q), {"The last step only": (N, Q), "The hidden states": (T, N, H),
                       "Batch first": (N, T, Q)}


def ind_bidirectional_shapes(p):
    T, N, H, L = p["T"], p["N"], p["H"], p["L"]
    if p["asked"] == "outputs":
        return (T, N, 2 * H), {"One direction only": (T, N, H), "That is $h_n$": (2 * L, N, H),
                               "Directions stacked, not concatenated": (2, T, N, H)}
    return (2 * L, N, H), {"One direction only": (L, N, H), "Width doubled": (2 * L, N, 2 * H),
                           "That is the outputs": (T, N, 2 * H)}


def ind_stacked_shapes(p):
    T, N, H, L = p["T"], p["N"], p["H"], p["L"]
    if p["asked"] == "outputs":
        return (T, N, H), {"Every layer concatenated": (T, N, L * H), "That is $h_n$": (L, N, H),
                           "Every layer stacked": (L, T, N, H)}
    return (L, N, H), {"The top layer only": (N, H), "That is the outputs": (T, N, H),
                       "Layers concatenated": (N, L * H)}


def ind_gradient_product(p):
    g, T = p["gamma"], p["T"]
    return g ** T, {"Multiplied by T": g * T, "One factor too few": g ** (T - 1),
                    "One factor too many": g ** (T + 1)}


def ind_bptt(p):
    w_h, w_x, x = p["w_h"], p["w_x"], p["x"]
    h, hs, As = 0.0, [], []
    for v in x:
        a = w_h * h + w_x * v
        h = math.tanh(a)
        hs.append(h)
        As.append(a)
    hs, As = arr(hs), arr(As)
    return np.prod(w_h * (1 - hs ** 2)), {
        "Forgot the tanh derivative": w_h ** 3,
        "Derivative at the pre-activation": np.prod(w_h * (1 - As ** 2)),
        "Summed the factors": np.sum(w_h * (1 - hs ** 2)),
        "Forgot the square": np.prod(w_h * (1 - hs))}


INDEPENDENT = {
    "matvec": ind_matvec, "preactivation": ind_preactivation, "rnn-step-tanh": ind_rnn_step,
    "rnn-step-relu": ind_rnn_step, "output-layer": ind_output_layer, "lstm-step": ind_lstm,
    "gru-step": ind_gru, "softmax-cross-entropy": ind_softmax, "mse": ind_mse,
    "ctc-probability": ind_ctc, "rnn-parameters": ind_parameters,
    "lstm-parameters": ind_parameters, "gru-parameters": ind_parameters,
    "stacked-parameters": ind_parameters, "bidirectional-parameters": ind_parameters,
    "architecture-shapes": ind_architecture_shapes,
    "bidirectional-shapes": ind_bidirectional_shapes, "stacked-shapes": ind_stacked_shapes,
    "gradient-product": ind_gradient_product, "bptt-jacobian": ind_bptt,
}


def test_every_generator_has_an_independent_check():
    assert set(INDEPENDENT) == set(GENERATORS)


def rounded(values, decimals):
    return tuple(float(np.round(v, decimals)) + 0.0 for v in np.atleast_1d(values))


@pytest.mark.parametrize("slug", sorted(GENERATORS))
def test_answer_and_named_mistakes_match_independent_computations(slug):
    seen_mistakes = set()
    for seed in SEEDS:
        q = generate(slug, seed)
        answer, mistakes = INDEPENDENT[slug](q.params)
        np.testing.assert_allclose(q.answer, np.atleast_1d(answer), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{slug} seed {seed}")
        right = [o for o in q.options if not o.mistake]
        assert len(right) == 1 and q.options[q.correct_option - 1] is right[0]
        assert right[0].value == q.answer
        assert 3 <= len(q.options) <= 4
        shown = set()
        for option in q.options:
            key = rounded(option.value, q.decimals)
            assert key not in shown, f"{slug} seed {seed}: two options show {key}"
            shown.add(key)
            if option.mistake:
                assert option.explanation
                expected = mistakes[option.mistake]
                np.testing.assert_allclose(option.value, np.atleast_1d(expected), rtol=1e-9,
                                           atol=1e-12, err_msg=f"{slug} {option.mistake}")
                assert not q.is_right(list(key)), "the option as shown is not right"
                seen_mistakes.add(option.mistake)
        assert q.is_right(list(rounded(q.answer, q.decimals)))
    assert len(seen_mistakes) >= 3, f"{slug} shows too few kinds of mistake: {seen_mistakes}"


@pytest.mark.parametrize("slug", sorted(GENERATORS))
def test_same_seed_same_question_and_json_round_trip(slug):
    q = generate(slug, 12345)
    assert generate(slug, 12345) == q
    data = json.loads(json.dumps(q.as_dict()))
    assert GeneratedQuestion.from_dict(data) == q
    assert q.params["seed"] == 12345 and q.params["generator"] == slug
    others = {json.dumps(generate(slug, seed).params, sort_keys=True) for seed in range(20)}
    assert len(others) >= 10, "fresh numbers for other seeds"


@pytest.mark.parametrize("slug", sorted(GENERATORS))
def test_stem_states_the_tolerance_and_numbers_are_readable(slug):
    for seed in range(20):
        q = generate(slug, seed)
        assert q.tolerance == pytest.approx(0.5 * 10 ** -q.decimals)
        if q.typed_length is None:
            assert "sizes in order" in q.stem
        elif q.decimals == 0:
            assert "whole number" in q.stem
        else:
            tol = f"{q.tolerance:.{q.decimals + 1}f}"
            assert f"\\pm {tol}" in q.stem
        for value in _inputs(q.params):
            assert abs(value * 100 - round(value * 100)) < 1e-9, \
                f"{slug}: {value} has more than two decimals"
        assert solution_markdown(q).count("\n- ") + 1 >= len(q.solution)
        assert q.solution, "a worked solution"


def _inputs(params):
    for key, value in params.items():
        if key in ("seed", "generator"):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            yield float(value)
        elif isinstance(value, list):
            yield from (float(v) for v in np.ravel(value))


def test_worked_solution_reads_the_trace():
    """The steps are the rnncore trace's entries: its symbols and notes, its values shown."""
    from rnncore import rnn_step_trace

    q = generate("rnn-step-tanh", 3)
    p = q.params
    trace = rnn_step_trace(p["W_x"], p["x"], p["W_h"], p["h_prev"], p["b"], step=p["step"])
    assert [(s.symbol, s.note) for s in q.solution] == [(e.symbol, e.note) for e in trace.entries]
    values = [step.value for step in q.solution]
    assert values[-2] == generation._vec(rnn_pre(p))
    assert values[-1] == generation._vec(np.tanh(rnn_pre(p)))
    assert values[-1] == generation._vec(q.answer)


def test_typed_tolerance_is_half_a_unit():
    q = generate("mse", 0)
    (a,) = q.answer
    assert q.is_right([a + 0.00049]) and q.is_right([a - 0.0005])
    assert not q.is_right([a + 0.00051])
    assert not q.is_right([a, a])


def test_shapes_compare_whole_shapes():
    q = generate("stacked-shapes", 0)
    assert q.typed_length is None
    assert q.is_right(q.answer)
    assert not q.is_right(q.answer[1:])


def test_unknown_generator_and_bad_seed():
    with pytest.raises(ValueError, match="Unknown"):
        generate("nope", 1)
    for seed in (-1, 2**63, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            generate("mse", seed)


def test_generators_belong_to_course_topics():
    from pathlib import Path
    import tomllib
    slugs = {tomllib.loads(path.read_text())["slug"]
             for path in Path("fixtures/course").glob("*.toml")}
    assert {g.topic for g in GENERATORS.values()} <= slugs


def test_coinciding_mistakes_are_redrawn_or_dropped(monkeypatch):
    """A draw whose 'forgot the bias' equals the answer (b = 0) is drawn again; when every draw
    coincides, the mistake is dropped."""
    calls = []

    def draw(rng):
        calls.append(1)
        b = 0.0 if len(calls) < 3 else 0.5
        return generation.Draft(
            stem="s", answer=(1.0 + b,), decimals=2, solution=[], params={}, what="x",
            mistakes=[generation._mistake("Forgot the bias", "e", 1.0),
                      generation._mistake("Other", "e", 3.0),
                      generation._mistake("Third", "e", 4.0)])

    monkeypatch.setitem(GENERATORS, "test", generation.Generator("test", "t", "gru", draw))
    q = generate("test", 0)
    assert len(calls) == 3 and q.answer == [1.5]
    assert {o.mistake for o in q.options} == {"", "Forgot the bias", "Other", "Third"}

    def always_zero(rng):
        return generation.Draft(
            stem="s", answer=(1.0,), decimals=2, solution=[], params={}, what="x",
            mistakes=[generation._mistake("Forgot the bias", "e", 1.001),
                      generation._mistake("Other", "e", 3.0),
                      generation._mistake("Third", "e", 4.0)])

    monkeypatch.setitem(GENERATORS, "test", generation.Generator("test", "t", "gru", always_zero))
    q = generate("test", 0)
    assert {o.mistake for o in q.options} == {"", "Other", "Third"}


@pytest.mark.parametrize("slug", sorted(GENERATORS))
def test_generated_text_uses_the_course_notation(slug):
    """Stems, options, mistakes and worked solutions use none of the course's retired symbols
    (tests/content/test_notation.py's list)."""
    from tests.content.test_notation import retired_uses

    for seed in range(15):
        q = generate(slug, seed)
        texts = [q.stem, q.answer_text, solution_markdown(q)]
        texts += [text for option in q.options for text in (option.text, option.mistake,
                                                              option.explanation)]
        texts += [f"${step.symbol} = {step.value}$ {step.note}" for step in q.solution]
        found = [hit for text in texts for hit in retired_uses(text)]
        assert not found, f"{slug} seed {seed}: {found}"


def test_a_typed_mistake_is_recognised_and_named():
    q = generate("preactivation", 4)
    mistaken = next(o for o in q.options if o.mistake)
    shown = list(rounded(mistaken.value, q.decimals))
    assert generation.matching_mistake(q, shown) == mistaken
    assert generation.matching_mistake(q, list(rounded(q.answer, q.decimals))) is None
    assert generation.matching_mistake(q, [123.0] * len(q.answer)) is None
    assert generation.mistake_markdown(mistaken) == f"**{mistaken.mistake}.** {mistaken.explanation}"
    right = next(o for o in q.options if not o.mistake)
    assert generation.mistake_markdown(right) == ""


@pytest.mark.parametrize("slug", sorted(GENERATORS))
def test_symbols_in_stems_solutions_and_mistakes_are_set_as_math(slug):
    """A subscript or superscript outside $...$ (and outside `code`) would show as plain text
    such as "y_t" instead of MathML."""
    import re

    for seed in range(6):
        question = generate(slug, seed)
        texts = [question.stem, solution_markdown(question)]
        texts += [generation.mistake_markdown(option) or "" for option in question.options]
        for text in texts:
            prose = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", " ", text, flags=re.S)
            assert not re.findall(r"\b[A-Za-z]+_[A-Za-z0-9{]|[A-Za-z0-9}]\^[A-Za-z0-9{]", prose), (seed, prose)
