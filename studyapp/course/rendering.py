"""Course text to HTML: Markdown (CommonMark) with $inline$ and $$display$$ LaTeX as MathML.

Content is trusted (it lives in the repository) but raw HTML is still disabled, so text is
always escaped. LaTeX is converted on the server by latex2mathml; Chromium renders MathML
natively with the Latin Modern Math webfont the site ships.
"""

import re
from functools import lru_cache

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin


class MathError(ValueError):
    """LaTeX that does not convert, or that still holds the source's garbled matrix rows."""


# The scraped source wrote "\ " where a new matrix row ("\\") was meant.
_MATRIX = re.compile(r"\\begin\{([bpvBV]?matrix)\}(.*?)\\end\{\1\}", re.S)
_GARBLED_ROW = re.compile(r"(?<!\\)\\ ")
_UNKNOWN_COMMAND = re.compile(r"<mi>\\([A-Za-z]+)</mi>")
# LaTeX puts a thin space between an operator name and a bare argument (\ln 0.8, \log P).
# An operator name that carries a script (\tanh^2 x, \log_2 n, \tanh') is the first child of
# an <msup>/<msub>/<msubsup>: the space goes after that whole element, never inside it (a
# script element with a third child is laid out as a plain row, the script on the baseline).
_OPERATOR_NAMES = "ln|log|exp|tanh|sin|cos|det|dim"
# A bare argument is an ordinary atom: a token, or a scripted, accented, fraction or root element
# (\log \hat{y}_t, \ln x^2); no space before a parenthesis or another operator.
_ARGUMENT = r"<m(?:i|n|sub|sup|subsup|over|under|frac|sqrt)[ >]"
_OPERATOR_NAME = re.compile(
    rf"(?<!<msup>)(?<!<msub>)(?<!<msubsup>)(<mi>(?:{_OPERATOR_NAMES})</mi>)(?={_ARGUMENT})"
)
# ... and between an ordinary atom or a closing parenthesis and an operator name (y_t \log p).
_AFTER_ATOM = "|".join(
    f"(?<={end})" for end in ("</mi>", "</mn>", "</msub>", "</msup>", "</msubsup>", "</mover>",
                              'stretchy="false">&#x00029;</mo>')
)
_OPERATOR_AFTER_ATOM = re.compile(
    rf"(?:{_AFTER_ATOM})(?=<mi>(?:{_OPERATOR_NAMES})</mi>|<(?:msup|msub|msubsup)><mi>(?:{_OPERATOR_NAMES})</mi>)"
)
_SCRIPTED_OPERATOR = re.compile(rf"<(msup|msub|msubsup)><mi>(?:{_OPERATOR_NAMES})</mi>")
_THIN_SPACE = '<mspace width="0.1667em"></mspace>'
# f', \tanh', \sigma'': latex2mathml makes the prime a superscript, but U+2032 is already a raised
# glyph (TeX's \prime is the one made to be superscripted), so it sits far too high. On a token
# base it is set after the base, as Unicode math typesetting does.
_PRIMED_TOKEN = re.compile(
    r"<msup>(<(mi|mn|mtext)>[^<]*</\2>)(?:<mrow>)?<mi>(&#x0203[234];)</mi>(?:</mrow>)?</msup>"
)
_PRIME = r'<mrow>\1<mo lspace="0" rspace="0">\3</mo></mrow>'
# \mathbb{1}, \mathbf{1}: latex2mathml writes letters as Unicode math alphanumerics (\mathbf{h} is
# U+1D421) but digits as <mn mathvariant="...">, which Chromium ignores (MathML Core keeps only
# mathvariant="normal"): the indicator 𝟙 would show as a plain 1. Digits get their code points too.
_STYLED_DIGITS = re.compile(r'<mn mathvariant="(bold|double-struck)">([0-9]+)</mn>')
_DIGIT_ZERO = {"bold": 0x1D7CE, "double-struck": 0x1D7D8}
# 31{,}000: latex2mathml makes the braced comma an operator (spaced: "31, 000"); it is part of
# the number.
_GROUPED_DIGITS = re.compile(r"<mn>([0-9.,]+)</mn><mrow><mo>&#x0002C;</mo></mrow><mn>([0-9.,]+)</mn>")
# A bar is a fence in |y| and |x|: no operator spacing around it (as in LaTeX).
_BAR = '<mo stretchy="false">&#x0007C;</mo>'
# A minus sign after an opening bracket, a comma or a relation is a sign, not a subtraction:
# (-0.01, 0.3), [-5, 5], = -0.2. TeX sets it tight against its number; latex2mathml writes it as
# an infix <mo> in the same row, which Chromium spaces like a binary minus ("( - 0.01").
_SIGN_AFTER = "|".join(
    re.escape(mo) for mo in (
        '<mo stretchy="false">&#x00028;</mo>', '<mo stretchy="false">[</mo>', "<mo>&#x0005B;</mo>",
        "<mo>&#x0002C;</mo>", "<mo>&#x0003B;</mo>", "<mo>&#x0003D;</mo>", "<mo>&#x02248;</mo>",
        "<mo>&#x02264;</mo>", "<mo>&#x02265;</mo>", "<mo>&lt;</mo>", "<mo>&gt;</mo>",
        "<mo>&#x02192;</mo>", "<mo>&#x02190;</mo>", "<mo>&#x02208;</mo>",
    )
)
_SIGN = re.compile(rf"({_SIGN_AFTER})<mo>&#x02212;</mo>")


def check_latex(latex):
    """Raise MathError if `latex` is not something the site can render faithfully."""
    for match in _MATRIX.finditer(latex):
        if _GARBLED_ROW.search(match.group(2)):
            raise MathError(
                f"matrix rows separated by '\\ ' (write '\\\\' for a new row): {latex!r}"
            )
    depth = 0
    for i, char in enumerate(latex):
        if char in "{}" and (i == 0 or latex[i - 1] != "\\"):
            depth += 1 if char == "{" else -1
            if depth < 0:
                break
    if depth != 0:
        raise MathError(f"LaTeX has unbalanced braces: {latex!r}")


@lru_cache(maxsize=4096)
def math_to_mathml(latex, display=False):
    """One LaTeX formula as a MathML <math> element (a string)."""
    check_latex(latex)
    try:
        mathml = latex_to_mathml(latex, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises several private exception types
        raise MathError(f"LaTeX does not convert ({type(exc).__name__}): {latex!r}") from exc
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MathError(f"unknown LaTeX command \\{unknown.group(1)}: {latex!r}")
    # Accents (\tilde, \hat, \bar) sit tight on their base only when marked as accents.
    mathml = mathml.replace("<mover>", '<mover accent="true">')
    mathml = mathml.replace(_BAR, '<mo stretchy="false" lspace="0" rspace="0">&#x0007C;</mo>')
    mathml = _PRIMED_TOKEN.sub(_PRIME, mathml)
    # x : I \to X (and \colon): latex2mathml makes the colon an identifier, set without spacing.
    mathml = mathml.replace("<mi>:</mi>", "<mo>:</mo>").replace("<mi>&#x0003A;</mi>", "<mo>:</mo>")
    mathml = _STYLED_DIGITS.sub(_styled_digits, mathml)
    while _GROUPED_DIGITS.search(mathml):
        mathml = _GROUPED_DIGITS.sub(r"<mn>\1,\2</mn>", mathml)
    mathml = _SIGN.sub(r'\1<mo lspace="0" rspace="0">&#x02212;</mo>', mathml)
    mathml = _OPERATOR_AFTER_ATOM.sub(_THIN_SPACE, mathml)
    return _space_scripted_operators(_OPERATOR_NAME.sub(rf"\1{_THIN_SPACE}", mathml))


def _styled_digits(match):
    zero = _DIGIT_ZERO[match.group(1)]
    return "<mn>" + "".join(f"&#x{zero + int(d):05X};" for d in match.group(2)) + "</mn>"


def _space_scripted_operators(mathml):
    r"""A thin space after a scripted operator name (<msup><mi>tanh</mi>...</msup>) that is
    followed by a bare argument (<mi>, <mn>), as LaTeX sets \log^2 n."""
    pieces, done = [], 0
    for match in _SCRIPTED_OPERATOR.finditer(mathml):
        if match.start() < done:
            continue
        tag, depth, i = match.group(1), 0, match.start()
        opening, closing = re.compile(rf"<{tag}>|</{tag}>"), f"</{tag}>"
        for inner in opening.finditer(mathml, i):
            depth += -1 if inner.group() == closing else 1
            if depth == 0:
                end = inner.end()
                break
        else:  # latex2mathml always closes what it opens
            continue
        pieces.append(mathml[done:end])
        if re.match(_ARGUMENT, mathml[end:]):
            pieces.append(_THIN_SPACE)
        done = end
    pieces.append(mathml[done:])
    return "".join(pieces)


def _render_math(content, options):
    return math_to_mathml(content.strip(), display=options.get("display_mode", False))


def _parser():
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    # allow_digits=False would look at src[pos - 1], which at the start of a text is its last
    # character: "$(0, 1)$, sums to 1" would then stay unrendered. The course has no currency.
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, renderer=_render_math)
    return md


_MD = _parser()


@lru_cache(maxsize=4096)
def render_markdown(text):
    """Block Markdown (paragraphs, lists, tables, display math) to HTML."""
    return _MD.render(text)


@lru_cache(maxsize=4096)
def render_inline(text):
    """One line of Markdown (emphasis, code, inline math) to HTML, without a <p> around it."""
    return _MD.renderInline(text)

