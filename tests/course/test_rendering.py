"""Course text to HTML: Markdown with LaTeX rendered as MathML on the server."""

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
