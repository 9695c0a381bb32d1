"""The one citation parser, tested without any model."""

from __future__ import annotations

import random
import re

import pytest

from assistant.citations import (
    marker_numbers,
    parse_citations,
    rewrite_markers,
    split_sentences_with_markers,
    strip_markers,
)

# -- marker forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Yes [1].", "Yes [1]."),
        ("Yes [1, 3].", "Yes [1][3]."),
        ("Yes [1,3].", "Yes [1][3]."),
        ("Yes [1; 3].", "Yes [1][3]."),
        ("Yes [1][3].", "Yes [1][3]."),
        ("Yes [1] [3].", "Yes [1][3]."),
        ("Yes [1], [3].", "Yes [1][3]."),
        ("Yes [ 1 ].", "Yes [1]."),
        ("Yes[1].", "Yes [1]."),
        ("Yes [1][1].", "Yes [1]."),
        ("Yes [3, 1].", "Yes [3][1]."),
        ("Yes [1-3].", "Yes [1][2][3]."),
        ("Yes [1–3].", "Yes [1][2][3]."),
        ("Yes [1, 2-3].", "Yes [1][2][3]."),
    ],
)
def test_marker_forms_are_normalised(raw, clean):
    assert parse_citations(raw, 5).text == clean


@pytest.mark.parametrize(
    ("raw", "clean", "cited", "dropped"),
    [
        ("Yes [7].", "Yes.", (), (7,)),
        ("Yes [0].", "Yes.", (), (0,)),
        ("Yes [2, 7].", "Yes [2].", (2,), (7,)),
        ("Yes [7][2].", "Yes [2].", (2,), (7,)),
        ("Yes [7] and no [3].", "Yes and no [3].", (3,), (7,)),
        ("[7] Yes [1].", "Yes [1].", (1,), (7,)),
        ("Yes.\n[9] No [2].", "Yes.\nNo [2].", (2,), (9,)),
        ("A [9]. B [8][9].", "A. B.", (), (9, 8)),
        ("Yes [2-5].", "Yes [2][3].", (2, 3), (4, 5)),
        ("Yes [1-100].", "Yes [1].", (1,), (100,)),
    ],
)
def test_out_of_range_markers_are_removed_with_their_spacing(raw, clean, cited, dropped):
    p = parse_citations(raw, 3)
    assert (p.text, p.cited, p.out_of_range) == (clean, cited, dropped)


def test_no_passages_removes_every_marker():
    p = parse_citations("One [1]. Two [2, 3].", 0)
    assert (p.text, p.cited, p.renumbered, p.mapping) == ("One. Two.", (), "One. Two.", {})


def test_text_without_markers_is_unchanged():
    text = "The meeting (SOM) took place in 2021. Costs rose by 3.5%!\n- item one"
    p = parse_citations(text, 3)
    assert (p.text, p.renumbered, p.cited) == (text, text, ())


def test_years_and_other_brackets_are_not_markers():
    text = "It was founded in [1991] by [Hungary] under [a] [note 2]."
    assert parse_citations(text, 3).text == text


def test_renumbering_follows_first_use():
    p = parse_citations("A [3]. B [1, 3]. C [2][3]. D [1].", 3)
    assert p.cited == (3, 1, 2)
    assert p.mapping == {3: 1, 1: 2, 2: 3}
    assert p.text == "A [3]. B [1][3]. C [2][3]. D [1]."
    assert p.renumbered == "A [1]. B [2][1]. C [3][1]. D [2]."


def test_marker_numbers_expands_ranges_and_keeps_bad_ones_for_the_range_check():
    assert marker_numbers("[1, 3-4][2]") == [1, 3, 4, 2]
    assert marker_numbers("[3-1]") == [3, 1]
    assert marker_numbers("[1-99]") == [1, 99]


def test_rewrite_and_strip():
    assert rewrite_markers("A [1, 2]. B [3].", lambda ns: [n * 10 for n in ns]) == (
        "A [10][20]. B [30]."
    )
    assert strip_markers("A [1, 2]. B [3] c.\n[4] D") == "A. B c.\nD"


def _random_answer(rng: random.Random) -> str:
    words = ["Istanbul", "hosted", "the", "SOM", "in", "2021", "with", "37", "countries"]
    parts = []
    for _ in range(rng.randint(1, 6)):
        parts.append(" ".join(rng.choices(words, k=rng.randint(2, 6))))
        for _ in range(rng.randint(0, 3)):
            numbers = rng.sample(range(0, 9), rng.randint(1, 3))
            sep = rng.choice([", ", ",", "]["])
            parts.append(" [" + sep.join(map(str, numbers)) + "]")
        parts.append(rng.choice([". ", "! ", ".\n", "; "]))
    return "".join(parts)


@pytest.mark.parametrize("seed", range(200))
def test_invariants_on_random_answers(seed):
    rng = random.Random(seed)
    text, n = _random_answer(rng), rng.randint(0, 6)
    p = parse_citations(text, n)
    numbers = [int(x) for x in re.findall(r"\[(\d+)\]", p.text)]
    renumbered = [int(x) for x in re.findall(r"\[(\d+)\]", p.renumbered)]
    # Only valid, single markers remain, and the cited list is their first-use order.
    assert all(1 <= x <= n for x in numbers)
    assert p.cited == tuple(dict.fromkeys(numbers))
    assert set(p.out_of_range).isdisjoint(p.cited)
    assert all(not 1 <= x <= n for x in p.out_of_range)
    # Renumbering: 1..k in order of first use, one-to-one with the original numbers.
    assert tuple(dict.fromkeys(renumbered)) == tuple(range(1, len(p.cited) + 1))
    assert [p.mapping[x] for x in numbers] == renumbered
    # The words are untouched; parsing again changes nothing.
    assert strip_markers(p.text).split() == strip_markers(text).split()
    assert parse_citations(p.text, n).text == p.text
    assert parse_citations(p.renumbered, len(p.cited)).renumbered == p.renumbered


# -- sentences ---------------------------------------------------------------------------------


def test_sentences_carry_their_markers():
    text = "It met in Istanbul [2]. Turkey chaired [1, 3]! Why? Nobody knows [2][2]."
    assert split_sentences_with_markers(text) == [
        ("It met in Istanbul [2]. ", [2]),
        ("Turkey chaired [1, 3]! ", [1, 3]),
        ("Why? ", []),
        ("Nobody knows [2][2].", [2]),
    ]


def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    text = "It met in Istanbul. [2] Turkey chaired. [1][3]\nNext line."
    assert split_sentences_with_markers(text) == [
        ("It met in Istanbul. [2] ", [2]),
        ("Turkey chaired. [1][3]\n", [1, 3]),
        ("Next line.", []),
    ]


def test_lines_and_list_items_are_sentences():
    text = "The SOM agreed on:\n- a new action plan [1]\n- more training [2]\n\nIt ended [3]."
    assert [nums for _, nums in split_sentences_with_markers(text)] == [[], [1], [2], [], [3]]


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Ünlü opened it [1].",
        "J. Smith and H.E. Ambassador Kovács spoke [1].",
        "Costs rose by 3.5 per cent, e.g. in Hungary [1].",
        "It covers the U.S. and Canada [1].",
        "Mr. Pluim, Director at ICMPD, spoke (see No. 5) [1].",
        "They met in approx. ten countries [1].",
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_a_sentence(text):
    assert split_sentences_with_markers(text) == [(text, [1])]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "One.",
        "A [1]. B [2].\n\n- C [3]\n",
        "  Leading space. Trailing space.  ",
        "Quote: “It works.” Then [1] more. [2]\r\nWindows line [3]",
        "Done [1] . Odd spacing [2] .",
    ],
)
def test_joining_the_sentences_gives_back_the_text(text):
    assert "".join(s for s, _ in split_sentences_with_markers(text)) == text


def test_closing_quote_ends_the_sentence():
    text = "He said “it works.” [1] Then it stopped [2]."
    assert [nums for _, nums in split_sentences_with_markers(text)] == [[1], [2]]
