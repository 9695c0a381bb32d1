"""ui.render: exact HTML for answers, refusals, sources, documents; escaping of document data."""

from __future__ import annotations

import pytest

from assistant.types import Answer, Citation, Filters
from ui import render
from ui.library import UploadError, safe_name


def cite(index=1, *, passage="Alpha. The meeting gathered 64 participants. Omega.",
         quote="The meeting gathered 64 participants.", passage_start=100, **kw) -> Citation:
    start = passage_start + passage.find(quote) if quote in passage else kw.pop("start", 0)
    values = dict(
        index=index, source="bp/001.txt", title="32nd SOM", page=None, passage=passage,
        quote=quote, start=start, end=start + len(quote), score=0.9,
        passage_start=passage_start, passage_end=passage_start + len(passage),
        process="Budapest Process", date="2022-12-01",
    )
    values.update(kw)
    return Citation(**values)


def test_esc_escapes_html_and_markdown_once():
    assert render.esc('<script>alert("x")</script>') == (
        "&lt;script&gt;alert&#40;&quot;x&quot;&#41;&lt;/script&gt;")
    assert render.esc("<img src=x onerror=window.__pwned=1>") == (
        "&lt;img src=x onerror=window.&#95;&#95;pwned=1&gt;")
    assert render.esc("Tom & Jerry's \"R&D\"") == "Tom &amp; Jerry&#x27;s &quot;R&amp;D&quot;"
    # Markdown and LaTeX act on none of these: they are entities, shown literally.
    assert render.esc("**b** [x](javascript:y) $$a$$") == (
        "&#42;&#42;b&#42;&#42; &#91;x&#93;&#40;javascript&#58;y&#41; &#36;&#36;a&#36;&#36;")
    assert render.esc("Türkiye – Şişli 東京 🙂") == "Türkiye – Şişli 東京 🙂"
    assert render.esc("&amp;") == "&amp;amp;"  # an entity in the data stays text


def test_highlight_edges_clip_and_unicode():
    assert render.highlight("abc", 0, 3) == "<mark>abc</mark>"
    assert render.highlight("abc", 0, 1) == "<mark>a</mark>bc"
    assert render.highlight("abc", 2, 3) == "ab<mark>c</mark>"
    assert render.highlight("abc", 2, 99) == "ab<mark>c</mark>"
    assert render.highlight("abc", -5, 1) == "<mark>a</mark>bc"
    assert render.highlight("abc", 2, 2) == "abc"
    assert render.highlight("a<b>c", 1, 4) == "a<mark>&lt;b&gt;</mark>c"
    # Offsets are code points: the emoji and the accented letters are one character each.
    assert render.highlight("Ünlü 🙂 spoke", 5, 6) == "Ünlü <mark>🙂</mark> spoke"
    assert render.highlight("a\nb", 0, 3, lines=True) == "<mark>a<br>b</mark>"


def test_quote_span_from_offsets_and_fallback():
    c = cite()
    a, b = render.quote_span(c)
    assert c.passage[a:b] == c.quote
    # Unknown passage span: found by text.
    assert render.quote_span(cite(passage_end=0, passage_start=0)) == (7, 44)
    # Quote at the very start and very end of the passage.
    p = "First one. Last one."
    assert render.quote_span(cite(passage=p, quote="First one.")) == (0, 10)
    assert render.quote_span(cite(passage=p, quote="Last one.")) == (11, 20)
    assert render.quote_span(cite(passage=p, quote="absent", start=0, end=0,
                                  passage_end=0)) == (0, 0)


def test_render_answer_markers_and_escaping():
    a = Answer(question="q", text="It gathered <b>64</b> [1]. Also [2]; not [7].", answered=True,
               citations=(cite(1), cite(2)))
    assert render.render_answer(a) == (
        '<div class="answer">It gathered &lt;b&gt;64&lt;/b&gt; '
        '<sup class="cite" data-cite="1">&#91;1&#93;</sup>. Also '
        '<sup class="cite" data-cite="2">&#91;2&#93;</sup>; not &#91;7&#93;.</div>')


def test_render_refusal_looks_different_and_says_what_was_searched():
    a = Answer(question="q", text="The documents do not say.", answered=False,
               searched="Budapest Process; 2020–2022")
    assert render.render_answer(a) == (
        '<div class="refusal"><strong>Not in the documents</strong><br>'
        "The documents do not say.<br>"
        '<span class="searched">Searched: Budapest Process; 2020–2022</span></div>')
    b = Answer(question="q", text="No.", answered=False)
    assert "Searched: Prague Process; 2011–…" in render.render_answer(
        b, Filters(process="Prague Process", year_from=2011))
    assert "Searched: all documents" in render.render_answer(b)


def test_render_citation_card_exact():
    c = cite(1, title='A & B "<i>x</i>"', source="dir/it's.txt", page=3)
    assert render.render_citation(c) == (
        '<div class="source" id="source-1" data-index="1">'
        '<div class="source-head"><span class="cite-n">&#91;1&#93;</span> '
        '<strong class="source-title">A &amp; B &quot;&lt;i&gt;x&lt;/i&gt;&quot;</strong></div>'
        '<div class="source-meta">Budapest Process · 2022&#45;12&#45;01 · p. 3 · '
        "dir/it&#x27;s.txt</div>"
        '<blockquote class="passage">Alpha. <mark>The meeting gathered 64 participants.</mark>'
        " Omega.</blockquote></div>")


def test_render_sources_for_answer_refusal_and_none():
    hostile = cite(1, passage="<script>window.__pwned=1</script> Quote here.",
                   quote="Quote here.")
    html = render.render_sources(Answer("q", "x [1]", True, citations=(hostile,)))
    assert "<script" not in html
    assert "&lt;script&gt;window.&#95;&#95;pwned=1&lt;/script&gt; <mark>Quote here.</mark>" in html
    refused = render.render_sources(Answer("q", "no", False, pointers=(cite(1),)))
    assert 'class="pointer"' in refused and "not citations" in refused
    assert 'class="source"' not in refused
    assert "appear here" in render.render_sources(None)


def test_render_document_marks_passage_and_quote():
    text = "Intro <x>.\nAlpha. The meeting gathered 64 participants. Omega.\nEnd."
    passage = "Alpha. The meeting gathered 64 participants. Omega."
    c = cite(passage_start=text.index(passage))
    assert render.render_document(text, c, title="T&T") == (
        '<div class="document"><div class="doc-title">T&amp;T</div><div class="doc-text">'
        'Intro &lt;x&gt;.\n<span class="passage-open" id="open-passage">Alpha. '
        "<mark>The meeting gathered 64 participants.</mark> Omega.</span>\nEnd.</div></div>")
    # Stale offsets: the passage is found by its text instead.
    moved = render.render_document("zz " + text, c)
    assert '<span class="passage-open" id="open-passage">Alpha. <mark>' in moved


def test_library_table_and_choices():
    recs = {"b<1>.txt": {"title": "<img src=x onerror=alert(1)>", "process": "Prague Process",
                         "date": "2010-12-15", "n_chunks": 4, "status": "done"},
            "a.txt": {"title": "A", "process": "Budapest Process", "n_chunks": 2}}
    html = render.render_library(recs)
    assert "<img" not in html and "&lt;img src=x onerror=alert&#40;1&#41;&gt;" in html
    assert html.index("a.txt") < html.index("b&lt;1&gt;.txt")
    assert render.process_choices(recs) == ["Budapest Process", "Prague Process"]
    assert render.source_choices(Answer("q", "t", True, citations=(cite(1), cite(2)))) == [
        ("[1] 32nd SOM", 1), ("[2] 32nd SOM", 2)]


def test_example_questions_drawn_from_records():
    recs = {
        "001.txt": {"meeting_type": "Senior Officials Meeting", "process": "Budapest Process",
                    "year": 2022, "location": "Istanbul, Türkiye"},
        "004.txt": {"meeting_type": "Newsletter", "process": "Prague Process", "year": 2011},
    }
    assert render.example_questions(recs) == [
        "How many participants attended the 2022 Budapest Process Senior Officials Meeting?",
        "Who opened the 2022 Budapest Process Senior Officials Meeting?",
        "What did the Budapest Process meeting in Istanbul decide?",
        "What is the Prague Process?",
    ]
    assert render.example_questions({}) == []


@pytest.mark.parametrize("name, expected", [
    ("report.txt", "report.txt"),
    ("../../etc/cron.d/x.md", "x.md"),
    ("C:\\Users\\me\\Report 1.PDF", "Report 1.PDF"),
    ("Ünlü & co's.docx", "Ünlü & co's.docx"),
])
def test_safe_name_strips_paths(name, expected):
    assert safe_name(name, [".txt", ".md", ".pdf", ".docx"]) == expected


@pytest.mark.parametrize("name, why", [
    (".bashrc.txt", "hidden"), ("../..", "no file name"), ("dir/", "no file name"),
    ("x.exe", "not accepted"), ("noext", "not accepted"), ("a\x00b.txt", "control"),
    ("a\nb.txt", "control"), ("x" * 200 + ".txt", "longer"),
])
def test_safe_name_refuses(name, why):
    with pytest.raises(UploadError, match=why):
        safe_name(name, [".txt"])
