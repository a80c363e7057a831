"""A learner edits each demo in a real browser: the numbers and the plot recompute in place."""

import math
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BAD_REQUEST = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def values(page, key):
    text = page.locator(f"[data-key='{key}']").first.get_attribute("data-values")
    return [float(v) for v in text.split()]


def plot_data(page, plot_id):
    """The traces plotly drew into the element (its live data, not the JSON)."""
    return page.evaluate(f"""() => {{
        const el = document.getElementById('{plot_id}');
        return el && el.data ? el.data.map(t => ({{x: Array.from(t.x || []),
            y: Array.from(t.y || []), z: t.z ? Array.from(t.z, r => Array.from(r)) : null}})) : null;
    }}""")


def query(page):
    return parse_qs(urlparse(page.url).query)


def wait_plot(page, plot_id):
    page.wait_for_function(f"() => document.getElementById('{plot_id}') && "
                           f"document.getElementById('{plot_id}').data")


def test_hidden_state_recomputes_as_you_type(page, live_server, course, console_errors):
    page.goto(live_server.url + "/demos/hidden-state/")
    wait_plot(page, "hs-figure-plot")
    assert values(page, "a_1") == [0.6, 1.2]
    assert values(page, "h_1") == [0.53705, 0.83365]
    plot_element = page.locator("#hs-figure-plot").element_handle()

    page.fill("#id_W_x-0-0", "0.2")            # a_1 = [0.7, 1.2]
    expect(page.locator("[data-key='a_1']")).to_have_attribute("data-values", "0.7 1.2")
    assert values(page, "h_1") == [round(math.tanh(0.7), 5), 0.83365]
    page.wait_for_function("() => Math.abs(document.getElementById('hs-figure-plot').data[1].x[0] - 0.7) < 1e-12")
    # The plot was redrawn in the same element (hx-preserve), not replaced.
    assert page.evaluate("(el) => el === document.getElementById('hs-figure-plot')", plot_element)
    assert query(page)["W_x-0-0"] == ["0.2"]

    # A size change keeps the entries that overlap and draws the new ones.
    page.select_option("#id_H", "3")
    expect(page.locator("#id_W_x-2-1")).to_be_visible()
    assert page.input_value("#id_W_x-0-0") == "0.2"
    assert len(values(page, "h_1")) == 3
    assert query(page)["H"] == ["3"]

    # A bad value: a message beside the grid, the numbers say nothing was recomputed.
    page.fill("#id_W_h-0-1", "abc")
    expect(page.locator("#id_W_h-errors")).to_contain_text("is not a number")
    expect(page.locator(".demo-invalid")).to_be_visible()
    page.fill("#id_W_h-0-1", "0.6")
    expect(page.locator("#id_W_h-errors")).to_be_empty()
    expect(page.locator("[data-key='h_1']")).to_be_visible()

    # Reloading the URL shows the same numbers: the URL is the whole state.
    shown = values(page, "h_2")
    page.reload()
    assert values(page, "h_2") == shown
    assert console_errors == [BAD_REQUEST]


def test_forward_propagation_heatmap_and_unrolled_network(page, live_server, course, console_errors):
    page.goto(live_server.url + "/demos/forward-propagation/")
    wait_plot(page, "fp-heatmap-plot")
    before = values(page, "h_1")
    page.fill("#id_X-0-0", "2")
    page.wait_for_function(f"() => document.querySelector(\"[data-key='h_1']\").dataset.values !== '{' '.join(f'{v:g}' for v in before)}'")
    after = values(page, "h_1")
    assert after != before
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('fp-heatmap-plot').data[0].customdata[0] - ({after[0]})) < 1e-5")
    expect(page.locator("svg.unrolled .node.hidden")).to_have_count(7)   # h_0 .. h_6
    page.select_option("#id_T", "8")
    expect(page.locator("svg.unrolled .node.hidden")).to_have_count(9)
    assert console_errors == []


def test_bidirectional_stacked_directions_recompute(page, live_server, course, console_errors):
    page.add_init_script(CSP_VIOLATIONS)
    page.goto(live_server.url + "/demos/bidirectional-stacked/")
    wait_plot(page, "bi-states-plot")
    H = 2
    forward_1 = values(page, "h1f_1")
    assert len(values(page, "out_5")) == 2 * H and values(page, "hn_3") == values(page, "h2b_1")
    assert values(page, "output_last")[H:] != values(page, "hn_3")     # h←_T, not h←_1
    rows = len(plot_data(page, "bi-states-plot")[0]["x"])

    page.select_option("#id_directions", "1")           # forward only: no backward chain
    expect(page.locator("[data-key='h1b_1']")).to_have_count(0)
    assert values(page, "h1f_1") == forward_1           # the same forward weights
    assert len(values(page, "out_5")) == H
    assert values(page, "output_last") == values(page, "hn_1") == values(page, "summary")
    expect(page.locator("[data-key='hn_2']")).to_have_count(0)
    page.wait_for_function(
        f"() => document.getElementById('bi-states-plot').data[0].x.length === {rows // 2}")
    assert query(page)["directions"] == ["1"]

    page.select_option("#id_layers", "3")
    expect(page.locator("[data-key='h3f_1']")).to_be_visible()
    expect(page.locator("[data-key='params_3']")).to_have_attribute("data-values", "2 12 12")
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []


def test_activation_functions_point_and_chain(page, live_server, course, console_errors):
    page.goto(live_server.url + "/demos/activation-functions/")
    wait_plot(page, "act-chain-plot")
    page.fill("#id_a", "0")
    expect(page.locator("[data-key='tanh_derivative']")).to_have_attribute("data-values", "1")
    assert values(page, "sigmoid_derivative") == [0.25]
    page.fill("#id_T", "10")
    expect(page.locator("[data-key='sigmoid_chain']")).to_have_attribute(
        "data-values", f"{0.25 ** 10:.2e}".replace("e-0", "e-"))
    page.wait_for_function("() => document.getElementById('act-chain-plot').data[0].x.length === 10")
    assert console_errors == []


def test_losses_ctc_alignments_follow_the_target(page, live_server, course, console_errors):
    page.goto(live_server.url + "/demos/losses/")
    wait_plot(page, "loss-ctc-plot")
    expect(page.locator(".alignment-list li")).to_have_count(15)
    page.fill("#id_target", "a")
    expect(page.locator(".alignment-list li")).to_have_count(10)
    assert values(page, "ctc_neg_log") == values(page, "ctc_loss")
    page.fill("#id_y_hat-0", "2")
    page.wait_for_function("() => document.getElementById('loss-mse-plot').data[0].y[0] === 2")
    assert console_errors == []


def test_gradient_flow_slider_and_clipping(page, live_server, course, console_errors):
    page.goto(live_server.url + "/demos/vanishing-gradients/")
    wait_plot(page, "grad-norms-plot")
    first = plot_data(page, "grad-norms-plot")[0]["y"][0]
    page.locator("#id_rho").evaluate(
        "(el) => { el.value = '2'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    expect(page.locator("output[for='id_rho']")).to_have_text("2")
    expect(page.locator("[data-key='radius']")).to_have_attribute("data-values", "2")
    page.wait_for_function(f"() => document.getElementById('grad-norms-plot').data[0].y[0] !== {first}")
    page.fill("#id_steps", "3")
    expect(page.locator("[data-key^='train-']")).to_have_count(3)
    page.wait_for_function("() => document.getElementById('grad-clipping-plot').data[0].x.length === 3")
    assert console_errors == []


CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


def slide(page, selector, value):
    page.locator(selector).evaluate(
        f"(el) => {{ el.value = '{value}'; el.dispatchEvent(new Event('input', {{bubbles: true}})); }}")


def test_lstm_cell_forget_shift_and_an_edited_weight(page, live_server, course, console_errors):
    page.add_init_script(CSP_VIOLATIONS)
    page.goto(live_server.url + "/demos/lstm-cell/")
    wait_plot(page, "lstm-sequence-plot")
    assert values(page, "f_1") == [0.5] and values(page, "c_1") == [1.4]      # topic 090
    assert values(page, "h_1") == [0.79682]
    i_1, g_1 = sigmoid(1.38629), math.tanh(0.54931)

    slide(page, "#id_shift_f", "4")            # f_t = sigma(4): the cell keeps c_0 = 2
    expect(page.locator("output[for='id_shift_f']")).to_have_text("4")
    expect(page.locator("[data-key='f_1']")).to_have_attribute("data-values", f"{sigmoid(4):.5f}")
    c_1 = sigmoid(4) * 2 + i_1 * g_1
    assert values(page, "c_1") == [round(c_1, 5)]
    c_2 = sigmoid(4) * c_1                          # x_2 = 0, W_h = 0: nothing new written
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('lstm-sequence-plot').data[0].y[2] - {c_2}) < 1e-9")

    page.fill("#id_W_x-g0-0", "1")                 # the candidate's weight: g_1 = tanh(1)
    expect(page.locator("[data-key='g_1']")).to_have_attribute("data-values", f"{math.tanh(1):.5f}")
    assert values(page, "c_1") == [round(sigmoid(4) * 2 + i_1 * math.tanh(1), 5)]
    assert query(page)["W_x-g0-0"] == ["1"] and query(page)["shift_f"] == ["4"]

    page.select_option("#id_H", "2")               # each gate's own row is kept
    expect(page.locator("#id_W_x-g1-0")).to_be_visible()
    assert page.input_value("#id_W_x-g0-0") == "1"
    assert len(values(page, "c_1")) == 2
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []


def test_gru_cell_reset_shift_and_an_edited_state(page, live_server, course, console_errors):
    page.add_init_script(CSP_VIOLATIONS)
    page.goto(live_server.url + "/demos/gru-cell/")
    wait_plot(page, "gru-sequence-plot")
    assert values(page, "z_1") == [0.8] and values(page, "n_1") == [-0.2]        # topic 100
    assert values(page, "h_1") == [0.36]

    slide(page, "#id_shift_r", "-6")           # r_t near 0: the candidate is the input's alone
    r_1 = sigmoid(-6)
    expect(page.locator("[data-key='r_1']")).to_have_attribute("data-values", f"{r_1:.5f}")
    assert values(page, "n_1") == [round(math.tanh(-0.45273 + r_1 * 0.5), 5)]

    page.fill("#id_h_0-0", "-0.9")                 # z_1 = 0.8 of it is kept
    n_1 = math.tanh(-0.45273 + r_1 * -0.9)
    h_1 = (1 - sigmoid(1.38629)) * n_1 + sigmoid(1.38629) * -0.9
    expect(page.locator("[data-key='h_1']")).to_have_attribute("data-values", f"{h_1:.5f}")
    page.wait_for_function(
        "() => document.getElementById('gru-sequence-plot').data[0].y[0] === -0.9")
    assert query(page)["h_0-0"] == ["-0.9"] and query(page)["shift_r"] == ["-6"]
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []


def test_without_javascript_the_form_submits_and_shows_the_same_numbers(browser, live_server, course):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/demos/hidden-state/")
    page.fill("#id_W_x-0-0", "0.2")
    page.get_by_role("button", name="Recompute").click()
    page.wait_for_load_state()
    assert values(page, "a_1") == [0.7, 1.2]
    assert query(page)["W_x-0-0"] == ["0.2"]
    page.get_by_role("button", name="Resample").click()          # a redirect to a new seed
    page.wait_for_load_state()
    assert set(query(page)) == {"D", "H", "Q", "nonlinearity", "seed"}
    page.goto(live_server.url + "/demos/lstm-cell/")
    page.fill("#id_c_0-0", "-2")
    page.get_by_role("button", name="Recompute").click()
    page.wait_for_load_state()
    assert values(page, "f_c_1") == [-1.0] and query(page)["c_0-0"] == ["-2"]
    context.close()


def test_demo_pages_keep_the_front_end_rules(page, live_server, course, console_errors):
    page.goto(live_server.url + "/topics/hidden-state/")
    page.get_by_role("link", name="Hidden state, step by step").click()
    expect(page.locator("h1")).to_have_text("Hidden state, step by step")
    page.wait_for_load_state("load")
    for slug in ("hidden-state", "forward-propagation", "activation-functions", "losses",
                 "vanishing-gradients", "lstm-cell", "gru-cell", "bidirectional-stacked",
                 "feedforward-vs-recurrent"):
        page.goto(f"{live_server.url}/demos/{slug}/")
        assert page.evaluate("htmx.config.allowEval") is False
        assert page.evaluate("[...document.scripts].filter(s => !s.src).length") == 0
    assert console_errors == []
