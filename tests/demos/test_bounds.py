"""The demos' bounds come from the engine's product bounds and never exceed them; numbers are
shown and parsed as a learner reads and types them."""

import math

import pytest
from django import forms as django_forms

from studyapp.demos import bounds, catalogue
from studyapp.demos.display import number, values_attr
from studyapp.demos.forms import parse_number


def test_page_bounds_stay_inside_the_engine_bounds():
    checked = 0
    for name, value in vars(bounds).items():
        if isinstance(value, bounds.Bound) and value.source is not None:
            group, key = value.source
            engine = bounds.ENGINE[group][key]
            assert engine.min <= value.min <= value.max <= engine.max, name
            checked += 1
    assert checked >= 20


def test_every_field_is_bounded_by_the_bounds_module():
    page_ranges = {(b.min, b.max) for b in vars(bounds).values() if isinstance(b, bounds.Bound)}
    for demo in catalogue.DEMOS:
        for name, field in demo.form_class.base_fields.items():
            if isinstance(field, (django_forms.IntegerField, django_forms.FloatField)):
                assert (field.min_value, field.max_value) in page_ranges, (demo.slug, name)
            elif isinstance(field, django_forms.TypedChoiceField):
                values = [choice for choice, _ in field.choices]
                assert (min(values), max(values)) in page_ranges, (demo.slug, name)
        for grid in demo.form_class.grids:
            assert (grid.low, grid.high) in page_ranges, (demo.slug, grid.name)


@pytest.mark.parametrize("value, text", [(0.6, "0.6"), (0.537049567, "0.53705"), (-0.25, "\u22120.25"),
                                         (0.0, "0"), (-1e-12, "\u22121.00×10^\u221212"),
                                         (3.1e-7, "3.10×10^\u22127"), (2.5e7, "2.500×10^7"),
                                         (math.inf, "∞"), (-0.000001, "\u22121.00×10^\u22126")])
def test_numbers_as_shown(value, text):
    assert number(value) == text


def test_values_attribute_is_plain_ascii_numbers():
    assert values_attr([0.6, -1.2e-9, 3]) == "0.6 -1.20e-9 3"
    assert [float(v) for v in values_attr([0.53704957, -2]).split()] == [0.53705, -2.0]


@pytest.mark.parametrize("text, value", [("0.5", 0.5), (" -1 ", -1.0), ("\u22121.5", -1.5),
                                         ("1e-3", 0.001), (",5", 0.5)])
def test_numbers_as_typed(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "-inf", "1,2,3", "1e999", "0x10"])
def test_not_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text)
