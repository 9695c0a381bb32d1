"""Markup cleanup and block parsing: what the reader and the answerer see as text."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from ingest.clean import assemble, clean_inline, parse_markdown
from ingest.loaders import load


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("the **2<sup>nd</sup> Ministerial Conference**", "the 2nd Ministerial Conference"),
        ("<b>15-16 March</b>", "15-16 March"),
        ("<i>Final</i> &amp; <u>endorsed</u>&nbsp;now", "Final & endorsed now"),
        ("[www.imap-migration.org](http://www.imap-migration.org)", "www.imap-migration.org"),
        ("[bmp@icmpd.org](mailto:bmp@icmpd.org)", "bmp@icmpd.org"),
        ("see [the portal](https://example.org/p)", "see the portal (https://example.org/p)"),
        ("write to [us](mailto:a@b.org)", "write to us (a@b.org)"),
        ("*italic* and __bold__ and `code`", "italic and bold and code"),
        ("snake_case_name and 3*4*5", "snake_case_name and 3*4*5"),
        ("  many   spaces\u00a0here ", "many spaces here"),
        ("e\u0301cole", "\u00e9cole"),  # NFC
    ],
)
def test_clean_inline(raw, clean):
    assert clean_inline(raw) == clean


def kinds_and_texts(raw: str) -> list[tuple[str, str]]:
    text, blocks, _ = assemble(parse_markdown(raw))
    return [(b.kind, text[b.start : b.end]) for b in blocks]


def test_markdown_blocks_headings_items_quotes():
    raw = (
        "## IN FOCUS\n\n> **New process:** started in 2009.\n\n#### SOM Decisions\n\n"
        "- Yes to **Action Plan**\n- Yes to Belarus\n\n1. First point.\n2. Second point.\n"
    )
    assert kinds_and_texts(raw) == [
        ("heading", "IN FOCUS"),
        ("paragraph", "New process: started in 2009."),
        ("heading", "SOM Decisions"),
        ("item", "Yes to Action Plan"),
        ("item", "Yes to Belarus"),
        ("paragraph", "1. First point."),
        ("paragraph", "2. Second point."),
    ]


def test_soft_wrapped_lines_join_and_page_break_cut_is_rejoined():
    raw = "The experts used\nthe time well.\n\nThey shared the\n\n\n\nopportunity to talk."
    assert kinds_and_texts(raw) == [
        ("paragraph", "The experts used the time well."),
        ("paragraph", "They shared the opportunity to talk."),
    ]


def test_lone_short_line_is_a_heading_but_label_lines_are_not():
    raw = "Budapest Process\n\nDate: 1st December, 2022\n\nReport\n\nText follows here."
    assert kinds_and_texts(raw) == [
        ("heading", "Budapest Process"),
        ("paragraph", "Date: 1st December, 2022"),
        ("heading", "Report"),
        ("paragraph", "Text follows here."),
    ]


def test_tab_table_with_caption_row_keeps_rows_whole():
    raw = "Plan\t\t\n<b>15-16 March</b>\t<i>Workshop</i>\t<b>Kiev</b>\n<b>May</b>\tSOM\tBudapest\n"
    assert kinds_and_texts(raw) == [
        ("paragraph", "Plan"),
        ("row", "15-16 March | Workshop | Kiev"),
        ("row", "May | SOM | Budapest"),
    ]


def test_pipe_table_header_prefixes_cells():
    raw = "| Activity | Place |\n|---|---|\n| Workshop | Rabat |\n| SOM | Madrid |\n"
    assert kinds_and_texts(raw) == [
        ("row", "Activity: Workshop | Place: Rabat"),
        ("row", "Activity: SOM | Place: Madrid"),
    ]


def test_seed_004_list_cells_become_one_line_per_column():
    doc = load(SEEDS["004"], "004.txt")
    lines = doc.text.split("\n")
    assert (
        "Final and endorsed: Azerbaijan, Czech Republic, Kazakhstan, Poland, Romania, Slovakia, "
        "Tajikistan" in lines
    )
    assert (
        "Under preparation (expected in 1st half 2011): Armenia (final stage), Belarus, Georgia, "
        "Hungary (final stage), Kyrgyzstan, Russia, Turkmenistan, Ukraine (final stage), Uzbekistan"
        in lines
    )
    assert "15-16 March | Workshop on BMP Strategy | Kiev" in lines
    assert "4 November | Ministerial Conference | Poznan, Poland" in lines


def test_seed_text_has_no_markup_left():
    for path in SEEDS.values():
        text = load(path, path.name).text
        for mark in ("**", "<b>", "<i>", "<sup>", "<li>", "<ul", "](", "&nbsp;", "\t", "\r", "# "):
            assert mark not in text, (path.name, mark)
        assert "2nd Ministerial Conference" in text or path.name[:3] != "004"
        assert "www.imap-migration.org" in text or path.name[:3] != "004"
