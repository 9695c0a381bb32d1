"""ui.render: exact HTML for answers, refusals, sources, documents; escaping of document data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.types import Answer, Citation, Filters
from ui import library_view, names, plain, query, render
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


def test_render_answer_markers_sources_and_plain_copy():
    a = Answer(question="q", text="It gathered <b>64</b> [1]. Also [2]; not [7].", answered=True,
               citations=(cite(1), cite(2, page=2)))
    html = render.render_answer(a, filter_text="3 reports (25 passages): all reports")
    assert html.startswith(
        '<div class="answer">It gathered &lt;b&gt;64&lt;/b&gt; '
        '<sup class="cite cite-to-1">&#91;1&#93;</sup>. Also '
        '<sup class="cite cite-to-2">&#91;2&#93;</sup>; not &#91;7&#93;.')
    assert ('<ul><li class="cite-link cite-to-1">&#91;1&#93; 32nd SOM</li>'
            '<li class="cite-link cite-to-2">&#91;2&#93; 32nd SOM · p. 2</li></ul>') in html
    assert '<div class="searched">Searched: 3 reports &#40;25 passages&#41;&#58; all reports' in html
    # The copy button's text: plain, markers kept, sources below, escaped inside our HTML.
    assert plain.plain_answer(a, "all") == (
        "It gathered <b>64</b> [1]. Also [2]; not [7].\n\nSources:\n"
        '[1] 32nd SOM, Budapest Process, 2022-12-01 (bp/001.txt): '
        '"The meeting gathered 64 participants."\n'
        '[2] 32nd SOM, Budapest Process, 2022-12-01, p. 2 (bp/001.txt): '
        '"The meeting gathered 64 participants."\n\nSearched: all')
    assert f'<div class="copy-text">{render.esc(plain.plain_answer(a, "x"))}</div>' in \
        render.render_answer(a, filter_text="x")


def test_render_refusal_gives_reason_pointers_and_hint():
    a = Answer(question="q", text="The documents do not say.", answered=False,
               searched="Budapest Process; 2020–2022",
               reason="the passages found do not mention 2019",
               pointers=(cite(1, page=2, section="Agenda"),))
    html = render.render_answer(a, hint="Ask in English.")
    assert html.startswith(
        '<div class="refusal"><strong>Not in the documents</strong><br>'
        "The documents do not say."
        '<div class="reason">Why: the passages found do not mention 2019</div>'
        '<div class="hint">Ask in English.</div>')
    assert '<li class="cite-link cite-to-1">&#8226; 32nd SOM · Agenda, p. 2</li>' in html
    assert "Searched: Budapest Process; 2020–2022" in html
    b = Answer(question="q", text="No.", answered=False)
    assert "Searched: Prague Process; 2011–…" in render.render_answer(
        b, Filters(process="Prague Process", year_from=2011))
    assert "Searched: all documents" in render.render_answer(b)
    assert plain.plain_answer(a).startswith(
        "Not in the documents. The documents do not say.\n"
        "Why: the passages found do not mention 2019\n\n"
        "Closest passages (they do not answer the question):\n- 32nd SOM")


def test_render_citation_card_exact_with_answer_phrase():
    c = cite(1, title='A & B "<i>x</i>"', source="dir/it's.txt", page=3)
    start = c.start + len("The meeting gathered ")
    c = replace(c, answer_start=start, answer_end=start + 2)
    assert render.render_citation(c) == (
        '<div class="source cite-to-1" id="source-1">'
        '<div class="source-head"><span class="cite-n">&#91;1&#93;</span> '
        '<strong class="source-title">A &amp; B &quot;&lt;i&gt;x&lt;/i&gt;&quot;</strong></div>'
        '<div class="source-meta">Budapest Process · 2022&#45;12&#45;01 · p. 3 · '
        "dir/it&#x27;s.txt</div>"
        '<blockquote class="passage">Alpha. <mark>The meeting gathered '
        '<strong class="answer-phrase">64</strong> participants.</mark>'
        " Omega.</blockquote></div>")


def test_render_sources_for_answer_refusal_and_none():
    hostile = cite(1, passage="<script>window.__pwned=1</script> Quote here.",
                   quote="Quote here.")
    html = render.render_sources(Answer("q", "x [1]", True, citations=(hostile,)))
    assert "<script" not in html
    assert "&lt;script&gt;window.&#95;&#95;pwned=1&lt;/script&gt; <mark>Quote here.</mark>" in html
    refused = render.render_sources(Answer("q", "no", False, pointers=(cite(1),)))
    assert 'class="pointer cite-to-1"' in refused and "not citations" in refused
    assert 'class="source ' not in refused
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
    html = library_view.render_library(recs, ["old.txt"])
    assert "<img" not in html and "&lt;img src=x onerror=alert&#40;1&#41;&gt;" in html
    assert html.index("b&lt;1&gt;.txt") < html.index("a.txt")  # by title: "<img..." < "A"
    assert html.startswith('<p class="library-count">2 reports indexed; 1 in the trash')
    assert library_view.process_choices(recs) == ["Budapest Process", "Prague Process"]
    assert library_view.remove_choices(recs) == [
        ("<img src=x onerror=alert(1)> — b<1>.txt", "b<1>.txt"), ("A — a.txt", "a.txt")]
    assert render.source_choices(Answer("q", "t", True, citations=(cite(1), cite(2, page=4)))) \
        == [("[1] 32nd SOM", 1), ("[2] 32nd SOM · p. 4", 2)]
    # Two passages of one report, one section, no page: their first words tell them apart.
    twins = (cite(1, section="Report"), cite(2, section="Report", passage="Other. Then more.",
                                             quote="Then more."))
    assert render.item_labels(twins) == ["32nd SOM · Report · “The meeting gathered 64 "
                                         "participants.”", "32nd SOM · Report · “Then more.”"]
    head = library_view.header(recs)
    assert "2 reports indexed (Budapest Process and Prague Process)" in head
    assert "quote from the" in head


def test_display_titles_replace_rubrics_and_questions():
    meta = {"title": "What is the Prague Process (“Building Migration Partnerships”)",
            "process": "Prague Process", "meeting_type": "Newsletter", "date": "2010-12-15"}
    assert names.display_title(meta, "004.txt") == "Prague Process newsletter, 2010-12-15"
    assert names.display_title({"title": "IN FOCUS"}, "dir/x.txt") == "x.txt"
    assert names.display_title({"title": "32nd SOM"}, "x.txt") == "32nd SOM"
    a = names.retitle(Answer("q", "t", True, citations=(cite(1, source="004.txt"),)),
                      {"004.txt": meta})
    assert a.citations[0].title == "Prague Process newsletter, 2010-12-15"


def test_filters_resolved_validated_and_counted():
    recs = {"a.txt": {"process": "P", "year": 2022, "n_chunks": 10},
            "b.txt": {"process": "P", "year": 2010, "n_chunks": 5},
            "c.txt": {"process": "Q", "year": 0, "n_chunks": 3}}
    r = query.resolve_filters("All processes", "", "", "", True, recs)
    assert r.filters == Filters() and r.text == "3 reports (18 passages): all reports, no filter"
    r = query.resolve_filters("All processes", "", "2020", "", True, recs)
    assert r.filters.sources == ("a.txt", "c.txt")
    assert r.text == "2 reports (13 passages): from 2020, undated reports included"
    r = query.resolve_filters("P", "", "2020", "2023", False, recs)
    assert r.filters == Filters(process="P", sources=("a.txt",))
    assert r.text == "1 report (10 passages): P, 2020–2023, undated reports left out"
    assert "reversed" in query.resolve_filters(None, "", "2023", "2020", True, recs).error
    assert "four-digit" in query.resolve_filters(None, "", "22", "", True, recs).error
    assert "No indexed report" in query.resolve_filters("Q", "", "2020", "", False, recs).error
    r = query.resolve_filters(None, "b.txt", "", "", True, recs)
    assert r.filters == Filters(sources=("b.txt",)) and r.text == "1 report (5 passages): only “P, 2010”"


def test_language_hint():
    assert query.language_hint("Wer hat das Treffen 2022 in Istanbul eröffnet?")
    assert query.language_hint("¿Quién inauguró la reunión de 2022 en Estambul?")
    assert not query.language_hint("Who opened the 2022 meeting in Istanbul?")
    assert not query.language_hint("Where was it held?")
    assert not query.language_hint("Belarus?")


def test_export_markdown():
    md = plain.export_markdown([("Q one?", "A [1].\n\nSources:\n[1] T")])
    assert md == "# Conversation\n\n## Q one?\n\nA [1].\n\nSources:\n[1] T\n"


def test_example_questions_drawn_from_records_and_short():
    recs = {
        "001.txt": {"meeting_type": "Senior Officials Meeting", "process": "Budapest Process",
                    "year": 2022, "location": "Istanbul, Türkiye"},
        "004.txt": {"meeting_type": "Newsletter", "process": "Prague Process", "year": 2011},
    }
    got = library_view.example_questions(recs)
    assert got == [
        "How many people attended the 2022 meeting in Istanbul?",
        "Who opened the 2022 meeting in Istanbul?",
        "What is the Prague Process?",  # (the "What did ... decide?" one is too long to show)
    ]
    assert all(len(q) <= library_view.MAX_EXAMPLE for q in got)
    assert library_view.example_questions({}) == []


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
