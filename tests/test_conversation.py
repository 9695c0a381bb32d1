"""Conversation: a question that names its own subject is answered exactly as it is alone,
whatever came before; a follow-up that cannot stand alone resolves to the earlier subject."""

from __future__ import annotations

import pytest

from assistant import answer
from assistant.retrieval import is_follow_up, readings

OPENED_Q = "Who opened the 2022 meeting in Istanbul?"
BELARUS_Q = "What was decided about Belarus?"


@pytest.mark.parametrize(("question", "follow"), [
    ("What is his position?", True),
    ("And the Prague Process?", True),
    ("Why?", True),
    ("Which organisation does she work for?", True),
    ("How often does that chairmanship change hands?", True),
    ("Who opened the 2022 meeting in Istanbul?", False),
    ("What does COLEP stand for?", False),
    ("What was decided about Belarus?", False),
    ("Which countries stated that the next meeting would be in Rabat?", False),
    # relative pronouns and demonstratives a clause defines do not point back
    ("Who presided over the conference that adopted the Global Compact?", False),
    ("Which banks were among those agreeing to launch the Rome Process?", False),
    ("What did those who attended the Rome conference decide?", False),
    ("On what date was that partnership launched?", True),
    ("Who signed that?", True),
])
def test_is_follow_up(question, follow):
    assert is_follow_up(question) is follow


@pytest.mark.parametrize(("question", "expected"), [
    ("What was decided about Belarus?", (False,)),      # names its own subject
    ("Where was it held?", (True,)),                    # cannot stand alone
    ("Where was the ceremony held?", (True,)),          # names nothing specific
    ("According to Tusk, when was it agreed?", (True, False)),  # points back, names someone
])
def test_readings_after_an_earlier_turn(question, expected):
    assert readings(question, [(OPENED_Q, "...")]) == expected
    assert readings(question, []) == (False,)


def _signature(a):
    return a.answered, a.text, [(c.source, c.start, c.end) for c in a.citations]


@pytest.mark.parametrize(("first", "second"), [(OPENED_Q, BELARUS_Q), (BELARUS_Q, OPENED_Q)])
def test_unrelated_question_in_a_conversation_fares_as_alone(seed_settings, first, second):
    alone = answer(second, settings=seed_settings)
    earlier = answer(first, settings=seed_settings)
    after = answer(second, history=[(first, earlier.text)], settings=seed_settings)
    assert alone.answered
    assert _signature(after) == _signature(alone)


def test_follow_up_gives_the_place_of_the_meeting_asked_about(seed_settings):
    first = answer(OPENED_Q, settings=seed_settings)
    a = answer("Where was it held?", history=[(OPENED_Q, first.text)], settings=seed_settings)
    assert a.answered, a.reason
    assert "Istanbul" in a.text
    assert a.citations[0].source == first.citations[0].source


def test_answer_phrase_is_marked_inside_the_quote(seed_settings):
    a = answer(OPENED_Q, settings=seed_settings)
    c = a.citations[0]
    assert c.start <= c.answer_start < c.answer_end <= c.end
    phrase = c.quote[c.answer_start - c.start : c.answer_end - c.start]
    assert "Ünlü" in phrase
