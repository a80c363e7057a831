"""Reading a demo page the way a learner sees it: the numbers shown, the form's current values."""

import html
import re
from urllib.parse import urlencode

import numpy as np

_SHOWN = re.compile(r'data-key="([^"]+)"[^>]*?data-values="([^"]*)"')
_INPUT = re.compile(r"<input\b([^>]*)>")
_SELECT = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.S)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def shown(content) -> dict[str, list[float]]:
    """data-key -> the numbers the page shows for it (as rounded on the page)."""
    text = content.decode() if isinstance(content, bytes) else content
    return {key: [float(v) for v in html.unescape(values).split()]
            for key, values in _SHOWN.findall(text)}


def form_values(content) -> dict[str, str]:
    """The demo form's fields as the browser would submit them (inputs and selects)."""
    text = content.decode() if isinstance(content, bytes) else content
    start = text.index('<form id="demo-form"')
    text = text[start:text.index("</form>", start)]
    values = {}
    for attrs in _INPUT.findall(text):
        found = dict(_ATTR.findall(attrs))
        if "name" in found and found.get("type") != "submit":
            values[found["name"]] = html.unescape(found.get("value", ""))
    for name, options in _SELECT.findall(text):
        selected = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = selected.group(1) if selected else ""
    return values


def grid(values: dict[str, str], name: str, rows: int, cols: int | None = None) -> np.ndarray:
    """A grid's entries from form_values, as an array."""
    if cols is None:
        return np.array([float(values[f"{name}-{i}"]) for i in range(rows)])
    return np.array([[float(values[f"{name}-{i}-{j}"]) for j in range(cols)] for i in range(rows)])


def url(slug: str, params: dict | None = None) -> str:
    return f"/demos/{slug}/" + (f"?{urlencode(params)}" if params else "")


def close(shown_values, expected, decimals=5):
    """The page's rounded numbers equal the expected ones rounded the same way."""
    expected = np.atleast_1d(np.asarray(expected, dtype=np.float64)).ravel()
    got = np.asarray(shown_values, dtype=np.float64)
    assert got.shape == expected.shape, (got, expected)
    tiny = np.abs(expected) < 10.0 ** -decimals
    # Tiny numbers are shown with three significant digits, the rest to `decimals` places.
    np.testing.assert_allclose(got[tiny], expected[tiny], rtol=6e-3, atol=0)
    error = np.abs(got[~tiny] - expected[~tiny])
    assert np.all(error <= 0.5 * 10.0 ** -decimals * (1 + 1e-9) + 1e-15), (got, expected)
    return True
