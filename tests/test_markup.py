"""Content text to HTML: math to MathML, LaTeX text macros to HTML, everything else escaped."""

from __future__ import annotations

import random

import pytest

from generator import markup
from generator.markup import MarkupError, plain_text, render_block, render_document, render_inline


def test_inline_math_becomes_mathml_with_its_source_as_alt_text() -> None:
    html = render_inline("top-$k$ routing")
    assert html.startswith('top-<math alttext="k" xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<mi>k</mi>" in html and "$" not in html


def test_text_macros_in_math_mode_become_html_not_math() -> None:
    assert render_inline(r"$\textit{TAID}$ and $\texttt{TAID-LLM-1.5B}$") == "<em>TAID</em> and <code>TAID-LLM-1.5B</code>"


def test_text_macros_outside_math_nest_math() -> None:
    html = render_inline(r"\textbf{bold $y$} 50\% off")
    assert html.startswith("<strong>bold <math") and html.endswith("</strong> 50% off")


def test_currency_dollars_are_not_math() -> None:
    assert render_inline("costs $5 and $10 each") == "costs $5 and $10 each"


@pytest.mark.parametrize("text, message", [
    ("$x^{2$", "unbalanced '{'"),
    (r"$\notacommand$", r"unknown LaTeX command \notacommand"),
    (r"\textit{never closed", "never closed"),
    (r"\(x", "never closed"),
    ("$$x", "never closed"),
])
def test_broken_latex_is_an_error_with_its_position(text: str, message: str) -> None:
    with pytest.raises(MarkupError, match=message.replace("\\", "\\\\").replace("(", r"\(").replace("{", r"\{")):
        render_inline(text)


def test_block_error_offsets_point_into_the_broken_math_past_leading_blank_lines() -> None:
    text = "\n\nfine\n\nthen $x^{$ broken"
    with pytest.raises(MarkupError) as caught:
        render_block(text)
    assert text.index("$") <= caught.value.offset < text.rindex("$")


def test_raw_html_and_scripts_are_shown_as_text() -> None:
    html = render_block('<script>alert(1)</script> <img src=x onerror="alert(2)"> & more')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&amp; more" in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,<b>", "vbscript:x"])
def test_links_with_executable_schemes_lose_their_href(url: str) -> None:
    html = render_block(f"[click]({url}) and ![pic]({url})")
    assert "href" not in html and "src=" not in html


def test_bare_repository_urls_are_linked_without_trailing_punctuation() -> None:
    html = render_block("Code is at https://github.com/org/repo. Also (https://x.org/a).")
    assert '<a href="https://github.com/org/repo">' in html and '<a href="https://x.org/a">' in html


def test_markdown_still_works_and_code_keeps_dollars() -> None:
    html = render_block("**Bold** and `$x$` and $y$\n\n- one\n- two")
    assert "<strong>Bold</strong>" in html and "<code>$x$</code>" in html and "<ul>" in html
    assert "<mi>y</mi>" in html


@pytest.mark.parametrize("text", [
    "A plain abstract, with (parentheses), 36%~81% and quotes \"like this\".",
    "Numbers: 1.5B parameters; ratio 3:1.",
    "Ends with a URL-like word e.g. example.org",
])
def test_plain_paragraph_fast_path_matches_the_markdown_engine(text: str) -> None:
    assert markup._is_plain_paragraph(text)
    assert render_block(text) == markup._new_markdown().convert(text)


def test_text_taken_for_a_plain_paragraph_is_what_the_markdown_engine_makes_of_it() -> None:
    engine = markup._new_markdown()
    pieces = [*"ab1 2.)-+=:/!?(é'\"%~,;{}^@*_`#>[]<&\\|$\n\r\t\u00a0\u2028\u3000\u200b", "---", "- ", "1. ",
              "http://x", "www.", "  "]
    generator = random.Random(7)
    plain = 0
    for _ in range(20_000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 6))).strip()
        if text and markup._is_plain_paragraph(text):
            plain += 1
            engine.reset()
            assert engine.convert(text) == f"<p>{text}</p>", repr(text)
    assert plain > 1000


@pytest.mark.parametrize("text", [
    r"We prove $O(n^2)$ bounds for $\mathcal{L}_{\text{KD}}$, 36%~81% faster (top-$k$ routing).",
    r"Display math $$\sum_{i=1}^{n} x_i$$ in a sentence, and \textit{TAID} with $\alpha<1$.",
    "Only math: $x$",
])
def test_plain_prose_around_math_fast_path_matches_the_markdown_engine(text: str) -> None:
    shielded, _ = markup._shield_latex(text)
    assert "$" in text and markup._is_plain_paragraph(shielded)
    engine = markup._convert_with_math(text, [], markup._new_markdown())[0]
    assert render_block(text) == engine and "<math" in engine


def test_plain_text_strips_latex_for_titles_and_metadata() -> None:
    assert plain_text(r"We study $\textit{TAID}$ and $μ$P with top-$k$") == "We study TAID and μP with top-k"


def test_control_characters_never_reach_the_page() -> None:
    assert render_inline("a\x00b\x07c") == "abc"


@pytest.mark.parametrize("render", [render_block, lambda text: render_document(text, lambda target: target)])
def test_an_error_is_placed_in_the_text_as_written_even_after_invisible_characters(render) -> None:  # type: ignore[no-untyped-def]
    """Control characters are dropped before rendering; the error must still point at its own line."""
    visible = "line one\nline two\nline three $x^{$ end"
    written = visible.replace("line one", "line \x85\x85\x85\x85\x85\x85 one\x00\x01")
    offsets = []
    for text in (visible, written):
        with pytest.raises(MarkupError) as caught:
            render(text)
        offsets.append(caught.value.offset)
    assert written[offsets[1]:] == visible[offsets[0]:]
    assert written[:offsets[1]].count("\n") == 2


def test_a_plain_abstract_is_kept_once_and_a_remembered_piece_quotes_it_without_a_copy() -> None:
    from generator.readers.native import parse_paper

    def paper(body: str):  # type: ignore[no-untyped-def]
        errors: list = []  # type: ignore[type-arg]
        found = parse_paper("papers/p.md", f"---\ntitle: T\nauthors: [A. Author]\ndate: 2024-01-02\n---\n{body}\n", errors)
        assert not errors and found is not None
        return found

    plain = paper("A plain paragraph about graphs and trees.")
    assert plain.rendered_abstract is None
    assert plain.abstract_html == "<p>A plain paragraph about graphs and trees.</p>"
    assert paper("Graphs & trees.").abstract_html == "<p>Graphs &amp; trees.</p>"
    with_math = paper("Bounds of $O(n^2)$ steps.\n\nA second paragraph.")
    assert with_math.rendered_abstract is not None and "<math" in with_math.abstract_html

    card = f"<article>{plain.abstract_html}</article>"
    parts = markup.parts_sharing(card, plain.abstract)
    assert "".join(parts) == card and any(part is plain.abstract for part in parts)
    assert markup.parts_sharing("<article>no abstract</article>", plain.abstract) == ("<article>no abstract</article>",)
    assert markup.parts_sharing("<article></article>", "") == ("<article></article>",)


@pytest.mark.parametrize("body", [
    "A plain paragraph about graphs and trees.", "Graphs & trees.", "Graphs &amp; trees.", "Two\nlines.",
    "Spaced  out .", "Bounds of $O(n^2)$ steps.", "Raw <b>bold</b> text.", "*Emphasis* and `code`.",
    "One.\n\nTwo , three.", "\u00a0Non-breaking\u2028line.", ""])
def test_the_abstract_quoted_by_metadata_is_the_text_of_its_html(body: str) -> None:
    from generator.readers.native import parse_paper

    errors: list = []  # type: ignore[type-arg]
    paper = parse_paper("papers/p.md", f"---\ntitle: T\nauthors: [A. Author]\ndate: 2024-01-02\n---\n{body}\n", errors)
    assert not errors and paper is not None
    assert markup.abstract_text(paper) == markup.html_to_text(paper.abstract_html)
    # raw HTML is shown as text, so its text is the abstract as written
    assert paper.abstract_is_text == (body in ("A plain paragraph about graphs and trees.", "Graphs & trees.",
                                               "Raw <b>bold</b> text.", ""))


def test_text_told_to_be_its_own_words_at_a_glance_is_what_html_to_text_says() -> None:
    pieces = ["a", "b", " ", "  ", ",", ".", " ,", " .", "\t", "\n", "\r", "\x1c", "\xa0", "\u2028", "é", "<", ">",
              "&", "&amp;", "<b>", "</p>", "<math alttext=\"x\">x</math>"]
    generator = random.Random(7)
    for _ in range(5000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 12)))
        for html in (f"<p>{text}</p>", f"<p>{text.strip()}</p>", text):
            assert markup.is_own_text(text, html) == (markup.html_to_text(html) == text), (text, html)

