"""Course text to HTML: Markdown with LaTeX rendered as MathML on the server."""

import re

import pytest

from studyapp.course.rendering import MathError, math_to_mathml, render_inline, render_markdown


def test_display_math_is_a_block_math_element():
    html = render_markdown("Update:\n\n$$\nh_t = \\tanh(W_x x_t + W_h h_{t-1} + b)\n$$\n")
    assert '<div class="math block">' in html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert "<msub><mi>h</mi><mrow><mi>t</mi><mo>&#x02212;</mo><mn>1</mn></mrow></msub>" in html


def test_matrix_becomes_a_table_with_brackets():
    mathml = math_to_mathml(r"\begin{bmatrix} 0.5 \\ 1.1 \end{bmatrix}")
    assert "<mtable><mtr><mtd><mn>0.5</mn></mtd></mtr><mtr><mtd><mn>1.1</mn></mtd></mtr></mtable>" in mathml
    assert mathml.count("<mo>&#x0005B;</mo>") == 1 and mathml.count("<mo>&#x0005D;</mo>") == 1


def test_typography_fixes():
    assert '<mover accent="true">' in math_to_mathml(r"\tilde{h}_t")
    assert '<mo stretchy="false" lspace="0" rspace="0">&#x0007C;</mo><mi>y</mi>' in math_to_mathml("|y|")
    assert '<mi>ln</mi><mspace width="0.1667em"></mspace><mn>0.8</mn>' in math_to_mathml(r"\ln 0.8")
    assert "<mi>tanh</mi><mo" in math_to_mathml(r"\tanh(x)")  # no space before a parenthesis


def test_inline_text_keeps_markdown_and_escapes_html():
    html = render_inline("Update gate ($z_t$) <b>not bold</b> *emphasis*")
    assert html.startswith("Update gate (<span class=\"math inline\"><math")
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html and "<em>emphasis</em>" in html
    assert "<p>" not in html


def test_math_at_the_start_of_a_text_is_rendered():
    # dollarmath's allow_digits=False check misread the first character of a text.
    assert "$" not in render_markdown("$(0, 1)$, sums to 1")


@pytest.mark.parametrize("latex, message", [
    (r"\begin{bmatrix} 1 \ 2 \end{bmatrix}", "matrix rows separated by"),
    (r"x^", "does not convert"),
    (r"h_{t-1", "unbalanced braces"),
    (r"\foo x", r"unknown LaTeX command \\foo"),
])
def test_bad_latex_is_an_error(latex, message):
    with pytest.raises(MathError, match=message):
        math_to_mathml(latex)


# Scripted operator names: the thin space after \tanh, \log ... goes after the script element,
# never inside it (an <msup> with three children is laid out as a row, the script on the baseline).
MATHML = "{http://www.w3.org/1998/Math/MathML}"
CHILDREN = {"msup": 2, "msub": 2, "msubsup": 3}


def scripts(mathml):
    """(tag, [child tags]) of every script element in a MathML string."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(mathml)
    return [
        (element.tag.removeprefix(MATHML), [child.tag.removeprefix(MATHML) for child in element])
        for element in root.iter()
        if element.tag.removeprefix(MATHML) in CHILDREN
    ]


@pytest.mark.parametrize("latex, base, script", [
    (r"\tanh^2(x)", "tanh", "<mn>2</mn>"),
    (r"1 - \tanh^2(x)", "tanh", "<mn>2</mn>"),
    (r"\log^2 n", "log", "<mn>2</mn>"),
    (r"\log_2 n", "log", "<mn>2</mn>"),
    (r"\tanh^{2}_{i} x", "tanh", "<mrow><mi>i</mi></mrow><mrow><mn>2</mn></mrow>"),
])
def test_a_scripted_operator_keeps_its_script_raised(latex, base, script):
    mathml = math_to_mathml(latex)
    for tag, children in scripts(mathml):
        assert len(children) == CHILDREN[tag], (latex, tag, children)
    tag = "msubsup" if "_{i}" in latex else "msub" if "_" in latex else "msup"
    assert f"<{tag}><mi>{base}</mi>{script}</{tag}>" in mathml


@pytest.mark.parametrize("latex, base", [
    (r"\tanh'(x)", "<mi>tanh</mi>"),
    (r"\tanh^{\prime}(a_2)", "<mi>tanh</mi>"),
    (r"\sigma'(x)", "<mi>&#x003C3;</mi>"),
    (r"f'(a_t)", "<mi>f</mi>"),
    (r"\text{ReLU}'(x)", "<mtext>ReLU</mtext>"),
])
def test_a_prime_follows_its_base_unspaced(latex, base):
    # U+2032 is a raised glyph already: set as a superscript it floats far above the base.
    mathml = math_to_mathml(latex)
    assert f'<mrow>{base}<mo lspace="0" rspace="0">&#x02032;</mo></mrow><mo' in mathml
    assert "<msup>" not in mathml and "<mspace" not in mathml


def test_a_scripted_operator_is_spaced_from_a_bare_argument():
    space = '<mspace width="0.1667em"></mspace>'
    assert f"<msup><mi>log</mi><mn>2</mn></msup>{space}<mi>n</mi>" in math_to_mathml(r"\log^2 n")
    assert f"<msub><mi>log</mi><mn>2</mn></msub>{space}<mi>n</mi>" in math_to_mathml(r"\log_2 n")
    assert "</msup><mo" in math_to_mathml(r"\tanh^2(x)")  # no space before a parenthesis
    assert f"<mi>tanh</mi>{space}<mi>x</mi>" in math_to_mathml(r"\tanh x")  # unscripted: as before


@pytest.mark.parametrize("latex, number", [
    ("31{,}000", "31,000"),
    (r"620 \cdot 50 = 31{,}000", "31,000"),
    ("1{,}000{,}000", "1,000,000"),
])
def test_a_braced_thousands_comma_is_part_of_the_number(latex, number):
    mathml = math_to_mathml(latex)
    assert f"<mn>{number}</mn>" in mathml
    assert "<mo>&#x0002C;</mo>" not in mathml


def test_a_comma_between_numbers_is_still_punctuation():
    # (0, 1) is an interval: the comma stays an operator with its spacing.
    assert "<mo>&#x0002C;</mo>" in math_to_mathml("(0, 1)")


@pytest.mark.parametrize("latex, glyphs", [
    (r"\mathbb{1}[i = j]", "&#x1D7D9;"),  # the indicator: double-struck one
    (r"s + \alpha \mathbf{1}", "&#x1D7CF;"),  # the all-ones vector: bold one
    (r"\mathbf{10}", "&#x1D7CF;&#x1D7CE;"),
])
def test_styled_digits_are_their_own_characters(latex, glyphs):
    # Chromium ignores mathvariant on <mn>: a double-struck 1 would show as a plain 1.
    mathml = math_to_mathml(latex)
    assert f"<mn>{glyphs}</mn>" in mathml and "mathvariant" not in mathml


@pytest.mark.parametrize("latex, after", [
    (r"\log \hat{y}_{t, y_t}", "<msub><mover"),  # scripted and accented argument
    (r"\ln x^2", "<msup><mi>x</mi>"),
    (r"\log \frac{1}{2}", "<mfrac>"),
])
def test_an_operator_name_is_spaced_from_a_compound_argument(latex, after):
    assert f'<mspace width="0.1667em"></mspace>{after}' in math_to_mathml(latex)


@pytest.mark.parametrize("latex, before", [
    (r"y_{t,i} \log \hat{y}_{t,i}", "</msub>"),
    (r"x \ln 2", "<mi>x</mi>"),
    (r"(1 - y) \log (1 - p)", 'stretchy="false">&#x00029;</mo>'),
    (r"2 \tanh^2 x", "<mn>2</mn>"),
])
def test_an_operator_name_is_spaced_from_the_atom_before_it(latex, before):
    assert f'{before}<mspace width="0.1667em"></mspace><m' in math_to_mathml(latex)


@pytest.mark.parametrize("latex", [r"1 - \tanh^2(x)", r"\frac{1}{2}(\ln 2 + \ln 4)", r"= -\log p"])
def test_no_space_between_an_operator_sign_or_parenthesis_and_an_operator_name(latex):
    mathml = math_to_mathml(latex)
    assert not re.search(r'</mo><mspace width="0.1667em"></mspace>', mathml), mathml


@pytest.mark.parametrize("latex", [r"x : I \to X", r"x \colon I \to X"])
def test_a_colon_is_an_operator(latex):
    assert "<mi>x</mi><mo>:</mo><mi>I</mi>" in math_to_mathml(latex)


@pytest.mark.parametrize("latex, before", [
    ("(-0.01, 0.3)", '<mo stretchy="false">&#x00028;</mo>'),
    ("(0.0726, -0.0317)", "<mo>&#x0002C;</mo>"),
    ("b_y = -0.2", "<mo>&#x0003D;</mo>"),
    ("[-5, 5]", '<mo stretchy="false">[</mo>'),
])
def test_a_sign_minus_is_set_tight(latex, before):
    assert f'{before}<mo lspace="0" rspace="0">&#x02212;</mo>' in math_to_mathml(latex)


@pytest.mark.parametrize("latex", ["a - b", "x_{t-1}", r"(1 - y) \log (1 - p)"])
def test_a_binary_minus_keeps_its_spacing(latex):
    mathml = math_to_mathml(latex)
    assert "<mo>&#x02212;</mo>" in mathml and 'rspace="0">&#x02212;' not in mathml
