"""The demo pages: the catalogue, defaults and edits, bounds with messages, the URL as the state,
htmx partials, Resample, and the topic pages' list of demos."""

from urllib.parse import parse_qs, urlparse

import numpy as np
import plotly.graph_objects as go
import pytest
from django import forms as django_forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.demos import bounds, catalogue
from studyapp.demos.forms import DemoForm

from .pages import form_values, shown, url

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "demo-results"}
SLUGS = [demo.slug for demo in catalogue.DEMOS]


def test_demo_list_shows_every_demo_by_topic(client, small_course):
    response = client.get("/demos/")
    assert response.status_code == 200
    text = response.content.decode()
    for demo in catalogue.DEMOS:
        assert demo.get_absolute_url() in text
    # A loaded topic is linked by its title; the nav marks the section.
    assert 'href="/topics/hidden-state/"' in text
    assert 'aria-current="page">Demos' in text


def test_topic_page_lists_its_demos_through_the_template_tag(client, small_course, monkeypatch):
    text = client.get("/topics/hidden-state/").content.decode()
    assert 'id="demos"' in text
    for demo in catalogue.for_topic("hidden-state"):
        assert demo.get_absolute_url() in text
    assert "/demos/losses/" not in text and "/demos/gru-cell/" not in text
    assert "/demos/gru-cell/" in client.get("/topics/gru/").content.decode()
    monkeypatch.setattr(catalogue, "DEMOS", tuple(d for d in catalogue.DEMOS if "gru" not in d.topics))
    assert 'id="demos"' not in client.get("/topics/gru/").content.decode()   # none: nothing shown


def test_every_topic_of_the_catalogue_exists_in_the_course(settings):
    slugs = {path.read_text().split('"')[1] for path in (settings.COURSE_DIR / "course").glob("*.toml")}
    assert set(catalogue.topic_slugs()) <= slugs


@pytest.mark.parametrize("slug", SLUGS)
def test_each_demo_renders_with_defaults_with_plots_and_breadcrumbs(client, small_course, slug):
    response = client.get(url(slug))
    assert response.status_code == 200
    text = response.content.decode()
    assert "vendor/plotly.min.js" in text and "js/demos.js" in text
    assert 'class="plot-area"' in text
    assert "<script>" not in text.replace('<script src', '')   # no inline script
    assert "style=" not in text
    demo = catalogue.get(slug)
    form = demo.form_class.from_query(_query({}))
    assert form.is_valid()
    result = demo.compute(form.cleaned_data)
    for name, figure in result["figures"].items():
        go.Figure(figure)                               # plotly validates every property


def _query(params):
    from django.http import QueryDict
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = str(value)
    return query


# Each demo at its bounds (the largest sizes it offers), and one entry edited.
EDITS = {
    "feedforward-vs-recurrent": {"T": 10, "D": 4, "H": 4, "k": 10, "p-3": "-2"},
    "hidden-state": {"D": 4, "H": 4, "Q": 4, "nonlinearity": "relu", "W_x-0-2": "2"},
    "forward-propagation": {"T": 20, "D": 4, "H": 8, "X-19-3": "-2"},
    "bidirectional-stacked": {"directions": 2, "layers": 3, "T": 12, "D": 4, "H": 4,
                              "X-11-3": "-2"},
    "lstm-cell": {"D": 4, "H": 3, "T": 16, "shift_f": "-2.5", "W_x-f2-3": "1.5"},
    "gru-cell": {"D": 4, "H": 4, "T": 16, "shift_r": "3", "shift_z": "-1", "W_h-n3-3": "-2"},
    "activation-functions": {"a": "-4.5", "w_h": "2.5", "T": 100, "Q": 10, "span": 20},
    "losses": {"mse_Q": 8, "Q": 8, "y": 8, "T": 8, "letters": 4, "target": "abc"},
    "vanishing-gradients": {"rho": 3, "T": 60, "H": 16, "D": 8, "steps": 10, "train_T": 25,
                            "train_H": 16, "batch": 16},
}


@pytest.mark.parametrize("slug", SLUGS)
def test_each_demo_recomputes_with_edited_parameters(client, slug):
    defaults = shown(client.get(url(slug)).content)
    response = client.get(url(slug, EDITS[slug]))
    assert response.status_code == 200
    edited = shown(response.content)
    assert edited != defaults
    partial = client.get(url(slug, EDITS[slug]), headers=HTMX)
    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith('<section id="demo-results"')
    assert shown(partial.content) == edited                 # the same numbers as the page
    assert partial["Vary"] == "HX-Request"


@pytest.mark.parametrize("slug", SLUGS)
def test_the_url_round_trips_the_state(client, slug):
    first = client.get(url(slug, EDITS[slug]))
    values = form_values(first.content)
    again = client.get(url(slug, values))                 # what the form submits
    assert form_values(again.content) == values
    assert shown(again.content) == shown(first.content)
    form_class = catalogue.get(slug).form_class
    form = form_class.from_query(_query(values))
    assert form.is_valid()
    assert form_class(form_class.encode(form.cleaned_data)).is_valid()


def test_changing_a_size_keeps_the_overlap_and_fills_new_entries_from_the_seed(client):
    from studyapp.demos import hidden_state
    params = {"D": 2, "H": 3, "seed": 42, "W_x-0-0": "0.9", "W_x-0-1": "-0.9",
              "W_x-1-0": "0.8", "W_x-1-1": "0.7"}
    values = form_values(client.get(url("hidden-state", params)).content)
    assert [values["W_x-0-0"], values["W_x-0-1"], values["W_x-1-0"]] == ["0.9", "-0.9", "0.8"]
    drawn = hidden_state.draw(42)["W_x"]
    assert float(values["W_x-2-0"]) == drawn[2, 0] and float(values["W_x-2-1"]) == drawn[2, 1]
    # The same seed gives the same fill; another seed another.
    assert form_values(client.get(url("hidden-state", params)).content) == values
    other = form_values(client.get(url("hidden-state", {**params, "seed": 43})).content)
    assert other["W_x-2-0"] != values["W_x-2-0"] or other["W_x-2-1"] != values["W_x-2-1"]


@pytest.mark.parametrize("slug, module, gate", [("lstm-cell", "lstm_cell", "f"),
                                                 ("gru-cell", "gru_cell", "z")])
def test_a_gated_cell_keeps_each_gates_own_entries_when_h_changes(client, slug, module, gate):
    from studyapp import demos
    gates = getattr(demos, module).GATES
    values = form_values(client.get(url(slug)).content)              # H = 1, D = 1
    values[f"W_x-{gate}0-0"] = "0.7"
    wider = form_values(client.get(url(slug, {**values, "H": 2})).content)
    assert wider[f"W_x-{gate}0-0"] == "0.7"                           # the same gate's row
    drawn = getattr(demos, module).draw(int(values["seed"]))["W_x"]
    k = gates.index(gate)
    assert float(wider[f"W_x-{gate}1-0"]) == drawn[k, 1, 0]           # its new row, drawn
    assert {key for key in wider if key.startswith("W_x-")} == {
        f"W_x-{g}{i}-0" for g in gates for i in range(2)}


def test_resample_draws_a_new_seed_and_redraws_every_entry(client):
    params = {"D": 2, "H": 2, "seed": 5, "W_x-0-0": "0.9", "resample": "1"}
    response = client.get(url("hidden-state", params))
    assert response.status_code == 302
    target = parse_qs(urlparse(response["Location"]).query)
    assert set(target) == {"D", "H", "seed"} and target["seed"] != ["5"]
    htmx = client.get(url("hidden-state", params), headers={"HX-Request": "true",
                                                            "HX-Target": "demo-results"})
    assert htmx.status_code == 200
    assert htmx.content.decode().lstrip().startswith('<div id="demo"')   # controls redrawn too
    assert "seed=" in htmx["HX-Push-Url"]


def test_a_history_restore_gets_the_whole_page(client):
    response = client.get(url("hidden-state"), headers={"HX-Request": "true",
                                                        "HX-History-Restore-Request": "true"})
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in client.get(url("hidden-state"))["Vary"]


def test_unknown_demo_is_a_404(client):
    assert client.get("/demos/no-such-demo/").status_code == 404


def test_only_get_and_head(client):
    assert client.post(url("hidden-state")).status_code == 405


# ---- bounds -------------------------------------------------------------------------------

def _bound_cases():
    """(slug, field, value outside its bound) for every scalar field and a grid entry each."""
    cases = []
    for demo in catalogue.DEMOS:
        for name, field in demo.form_class.base_fields.items():
            if isinstance(field, django_forms.TypedChoiceField):
                values = [choice for choice, _ in field.choices]
                cases += [(demo.slug, name, min(values) - 1), (demo.slug, name, max(values) + 1)]
            elif isinstance(field, (django_forms.IntegerField, django_forms.FloatField)):
                step = 1 if isinstance(field, django_forms.IntegerField) else 0.001
                cases += [(demo.slug, name, field.min_value - step),
                          (demo.slug, name, field.max_value + step), (demo.slug, name, "abc")]
            elif isinstance(field, django_forms.ChoiceField):
                cases.append((demo.slug, name, "sideways"))
        for grid in demo.form_class.grids:
            key = grid.key(*[0] * grid.ndim)
            cases += [(demo.slug, key, grid.high + 1), (demo.slug, key, "1,2,3")]
    return cases


@pytest.mark.parametrize("slug, field, value", _bound_cases())
def test_every_bound_is_enforced_with_a_message_beside_its_field(client, slug, field, value):
    response = client.get(url(slug, {field: value}))
    assert response.status_code == 400
    text = response.content.decode()
    slot = f'id="id_{field.split("-")[0]}-errors"'
    start = text.index(slot)
    message = text[start:text.index("</p>", start)]
    assert len(message) > len(slot) + 25, message           # a message, not an empty slot
    # For htmx: the results partial (the target) with the message swapped beside the field.
    partial = client.get(url(slug, {field: value}), headers=HTMX)
    assert partial.status_code == 400
    body = partial.content.decode()
    assert body.lstrip().startswith('<section id="demo-results"')
    assert f'{slot} hx-swap-oob="true">' in body and "Nothing recomputed" in body


@pytest.mark.parametrize("slug", SLUGS)
def test_the_bounds_themselves_are_accepted(client, slug):
    form_class = catalogue.get(slug).form_class
    for which in ("min_value", "max_value"):
        params = {}
        for name, field in form_class.base_fields.items():
            if isinstance(field, (django_forms.IntegerField, django_forms.FloatField)) \
                    and name != "seed":
                params[name] = getattr(field, which)
        assert client.get(url(slug, params)).status_code == 200, params


def test_a_pattern_position_past_the_sequence_is_a_message_beside_it(client):
    for headers in ({}, HTMX):
        response = client.get(url("feedforward-vs-recurrent", {"T": 3, "k": 5}), headers=headers)
        assert response.status_code == 400
        text = response.content.decode()
        start = text.index('id="id_k-errors"')
        assert "choose from 1 to T = 3" in text[start:text.index("</p>", start)]


def test_ctc_target_longer_than_the_steps_allow_is_a_field_error(client):
    response = client.get(url("losses", {"T": 2, "target": "aa"}))
    assert response.status_code == 400
    assert "needs at least 3 steps" in response.content.decode()


def test_ctc_bounds_keep_the_list_on_a_page():
    from rnncore.losses import ctc_alignments
    T = int(bounds.CTC_STEPS.max)
    most = max(len(ctc_alignments(list(target), T)) for target in
               ([1], [1, 2], [1, 2, 3], [1, 1], [1, 2, 1], [1, 1, 1]))
    assert most <= bounds.CTC_MAX_ALIGNMENTS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slug=st.sampled_from(SLUGS), key=st.sampled_from(["D", "H", "T", "a", "rho", "W_x-0-0",
                                                          "X-0-0", "s-1", "target", "seed",
                                                          "ctc_s-0-0", "y", "nonlinearity",
                                                          "W_x-f0-0", "b_h-n0", "shift_f",
                                                          "shift_r"]),
       value=st.one_of(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True),
                       st.integers(-10**12, 10**12)))
def test_no_value_makes_a_500(client, slug, key, value):
    response = client.get(url(slug, {key: value}))
    assert response.status_code in (200, 400)


def test_resampled_forms_stay_in_bounds():
    for demo in catalogue.DEMOS:
        for seed in (0, 1, 2**32 - 1):
            query = demo.form_class.resampled(_query({}), seed=seed)
            form = demo.form_class.from_query(query)
            assert form.is_valid(), (demo.slug, form.errors)
            for grid in demo.form_class.grids:
                values = form.cleaned_data[grid.name]
                assert np.all((grid.low <= values) & (values <= grid.high))


def test_forms_share_the_base_class():
    assert all(issubclass(demo.form_class, DemoForm) for demo in catalogue.DEMOS)


def test_an_engine_error_about_a_grid_lands_beside_that_grid(client, monkeypatch):
    from studyapp.demos import activations
    from studyapp.demos.errors import InputError

    def refuse(**params):
        raise InputError("s", "s: the engine refused these scores")

    monkeypatch.setattr(activations, "compute", refuse)
    response = client.get(url("activation-functions"), headers=HTMX)
    assert response.status_code == 400
    assert 'id="id_s-errors" hx-swap-oob="true">s: the engine refused' in response.content.decode()
    page = client.get(url("activation-functions"))
    assert page.status_code == 400 and "the engine refused" in page.content.decode()
