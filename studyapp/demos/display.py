"""Numbers and symbols as the demo pages show them.

Symbols are LaTeX in the course's notation, rendered to MathML by the course's renderer. Numbers
are rounded to `DECIMALS` places (the course prints 5) and written straight into MathML: a vector
is a column, as the course writes it, and a matrix keeps its rows.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
from django.utils.safestring import SafeString, mark_safe

from studyapp.course.rendering import math_to_mathml

DECIMALS = 5
MINUS = "\u2212"


def number(value: float, decimals: int = DECIMALS) -> str:
    """0.6 -> '0.6', 0.537049567 -> '0.53705', -0.25 -> '−0.25', 1e-9 -> '0', inf -> '∞'."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    if value != 0 and abs(value) < 10 ** -decimals:
        text = f"{value:.{2}e}"            # tiny but not zero: 3.1e-07, never a bare 0
        mantissa, exponent = text.split("e")
        text = f"{mantissa}×10^{int(exponent)}"
    elif abs(value) >= 1e6:
        mantissa, exponent = f"{value:.3e}".split("e")
        text = f"{mantissa}×10^{int(exponent)}"
    else:
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", MINUS)


def number_html(value: float, decimals: int = DECIMALS) -> SafeString:
    """The number as HTML text: 3.1×10<sup>−7</sup> for the tiny and the huge."""
    text = number(value, decimals)
    if "×10^" in text:
        mantissa, exponent = text.split("×10^")
        return mark_safe(f"{escape(mantissa)} × 10<sup>{escape(exponent)}</sup>")
    return mark_safe(escape(text))


def _mn(value: float, decimals: int) -> str:
    text = number(value, decimals)
    if "×10^" in text:
        mantissa, exponent = text.split("×10^")
        return (f"<mrow><mn>{mantissa}</mn><mo>×</mo><msup><mn>10</mn>"
                f"<mn>{exponent}</mn></msup></mrow>")
    return f"<mn>{text}</mn>"


def symbol(latex: str, display: bool = False) -> SafeString:
    """A symbol or formula in LaTeX (the course's notation) as MathML."""
    return mark_safe(math_to_mathml(latex, display=display))


def _math(inner: str) -> str:
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">{inner}</math>'


def matrix_mathml(values, decimals: int = DECIMALS) -> str:
    """A vector (a column) or a matrix as the MathML of a bracketed table, without <math>."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        return _mn(float(array), decimals)
    if array.ndim == 1:
        array = array[:, None]
    rows = "".join("<mtr>" + "".join(f"<mtd>{_mn(v, decimals)}</mtd>" for v in row) + "</mtr>"
                   for row in array)
    return f"<mrow><mo>[</mo><mtable>{rows}</mtable><mo>]</mo></mrow>"


def matrix(values, decimals: int = DECIMALS) -> SafeString:
    """A vector or matrix of numbers as a <math> element."""
    return mark_safe(_math(matrix_mathml(values, decimals)))


def _inner(latex: str) -> str:
    mathml = math_to_mathml(latex)
    return mathml[mathml.index(">") + 1:mathml.rindex("</math>")]


def equation(latex_left: str, *values, products=(), sums=(), hadamards=(), applied=None,
             complements=(), outer: str | None = None, decimals: int = DECIMALS) -> SafeString:
    """'left = expression = result' with numbers: `values` are the operands then the result.

    Between operand i and i + 1: nothing (a product) if i is in `products`, '+' if in `sums`,
    '⊙' (elementwise) if in `hadamards`; `applied` {i: LaTeX function} writes operand i as
    f([...]), `complements` writes it (1 − [...]); `outer` (a LaTeX function) wraps the whole
    expression, f([...] + [...]). One value: 'left = [value]'."""
    applied = applied or {}
    parts = [_inner(latex_left)]
    *operands, result = values
    if operands:
        expression = []
        for i, operand in enumerate(operands):
            term = matrix_mathml(operand, decimals)
            if i in applied:
                term = _applied(applied[i], term)
            if i in complements:
                term = f'<mo stretchy="false">(</mo><mn>1</mn><mo>−</mo>{term}<mo stretchy="false">)</mo>'
            expression.append(term)
            if i + 1 < len(operands):
                expression.append("<mo>+</mo>" if i in sums else "<mo>⊙</mo>" if i in hadamards
                                  else "")
        whole = "".join(expression)
        parts.append("<mrow>" + (_applied(outer, whole) if outer else whole) + "</mrow>")
    parts.append(matrix_mathml(result, decimals))
    return mark_safe(_math("<mo>=</mo>".join(parts)))


def _applied(function: str, term: str) -> str:
    return f'{_inner(function)}<mo stretchy="false">(</mo>{term}<mo stretchy="false">)</mo>'


def any_step(latex: str, step: int = 1) -> str:
    """A trace's symbol at `step` written for any step t: c_{1} -> c_t, c_{0} -> c_{t-1}."""
    return latex.replace(f"{{{step}}}", "t").replace(f"{{{step - 1}}}", "{t-1}")


def trace_rows(trace, layouts: dict[str, tuple]) -> list[dict]:
    """A step's intermediates (an rnncore Trace) as rows {key, note, value, math}, in the order
    of `layouts`: entry key -> (operands, `equation`'s layout, left side in LaTeX or None for the
    entry's own symbol). A row's key carries the step, 'h_2', so two steps never clash."""
    entries = {entry.key: entry for entry in trace.entries}
    rows = []
    for key, (operands, layout, latex) in layouts.items():
        entry = entries[key]
        rows.append({"key": f"{key}_{trace.step}", "note": entry.note, "value": entry.value,
                     "math": equation(latex or entry.symbol, *operands, entry.value, **layout)})
    return rows


def values_attr(values, decimals: int = DECIMALS) -> str:
    """The shown numbers, space-separated, for a data attribute tests and scripts can read."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
    return " ".join(escape(number(v, decimals).replace(MINUS, "-").replace("×10^", "e"))
                    for v in array)
