"""`answer()` over the ingested seeds: the cited source and quoted span, markers, refusals,
follow-ups, lists, tables, filters; and LLM mode with LangChain's fake chat models."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage

from assistant import Answer, Citation, Filters, answer, answer_stream
from assistant.answering import REFUSAL
from assistant.store import Store

S001, S004 = "001_06afa2b095fced14.txt", "004_7b05704cdeef6cba.txt"
COUNT_Q = "How many participants attended the 32nd Senior Officials Meeting?"
OPENED_Q = "Who opened the 2022 meeting in Istanbul?"


@pytest.fixture(scope="module")
def store(seed_settings):
    return Store(seed_settings)


def assert_well_formed(a: Answer, store: Store) -> None:
    """Markers are 1..n by first use; every quote is the document's text at its span and lies
    within its passage, which is itself the document's text at its span."""
    used = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", a.text)))
    assert used == list(range(1, len(a.citations) + 1)), a.text
    assert [c.index for c in a.citations] == used
    for c in a.citations:
        doc = store.doc_text(c.source)
        assert doc is not None, c.source
        assert c.quote and doc[c.start : c.end] == c.quote
        assert c.passage_start <= c.start < c.end <= c.passage_end
        assert doc[c.passage_start : c.passage_end] == c.passage
        assert c.quote in c.passage


def ask(question: str, settings, **kw) -> Answer:
    return answer(question, settings=settings, **kw)


# --- extractive answers -------------------------------------------------------------------


def test_count_question_answers_64_from_the_32nd_som_report(seed_settings, store):
    a = ask(COUNT_Q, seed_settings)
    assert a.answered and a.mode == "extractive"
    assert re.search(r"\b64\b", a.text)
    assert [c.source for c in a.citations] == [S001]
    assert "64 participants" in a.citations[0].quote
    assert_well_formed(a, store)
    assert a.seconds > 0 and "passages in 3 documents" in a.searched


@pytest.mark.parametrize(("question", "source", "expected"), [
    (OPENED_Q, S001, "Savaş Ünlü"),
    ("What does COLEP stand for?", S001, "Cooperation between Law Enforcement Practitioners"),
    ("Where was the Prague Process SOM held in December 2010?", S004, "Brussels"),
    ("How many senior officials attended the online Budapest Process Senior Officials Meeting?",
     "000_dee6c97f22f75511.txt", "100"),
])
def test_answers_cite_the_right_source_and_span(seed_settings, store, question, source, expected):
    a = ask(question, seed_settings)
    assert a.answered, (a.text, a.notes)
    assert expected in a.text
    assert source in {c.source for c in a.citations}
    assert any(expected in c.quote for c in a.citations)
    assert_well_formed(a, store)


def test_to_dict_is_json_serialisable_and_complete(seed_settings):
    a = ask(COUNT_Q, seed_settings)
    d = a.to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert set(d) == {f.name for f in fields(Answer)}
    assert all(set(c) == {f.name for f in fields(Citation)} for c in d["citations"])
    assert d["citations"][0]["quote"] == a.citations[0].quote


@pytest.mark.parametrize("question", [
    "How many staff does the Budapest Process Secretariat have?",
    "Who chaired the 2019 Prague Process ministerial conference?",
])
def test_near_misses_are_refused_with_pointers(seed_settings, question):
    a = ask(question, seed_settings)
    assert not a.answered, a.text
    assert a.text == REFUSAL and not re.search(r"\[\d+\]", a.text)
    assert a.citations == ()
    assert a.notes and all(n for n in a.notes)  # the reason, in words
    # Pointers are the closest passages, numbered but quoting nothing: not citations.
    assert 1 <= len(a.pointers) <= 3
    assert [p.index for p in a.pointers] == list(range(1, len(a.pointers) + 1))
    assert all(p.quote == "" and p.passage for p in a.pointers)
    json.dumps(a.to_dict())


def test_follow_up_resolves_his_to_the_earlier_answer(seed_settings, store):
    first = ask(OPENED_Q, seed_settings)
    assert first.answered and "Savaş Ünlü" in first.text
    a = ask("What is his position?", seed_settings, history=[(OPENED_Q, first.text)])
    assert a.answered, a.notes
    assert "President" in a.text
    assert any("Savaş Ünlü" in c.quote for c in a.citations)
    assert_well_formed(a, store)


def test_list_question_returns_the_list_items(seed_settings, store):
    a = ask("What were the Chairmanship's proposals?", seed_settings)
    assert a.answered
    items = [line for line in a.text.splitlines() if line.startswith("- ")]
    assert len(items) >= 4, a.text
    assert any("7th ministerial conference" in i for i in items)
    assert any("Lebanon, Jordan and India" in i for i in items)
    assert {c.source for c in a.citations} == {S001}
    assert_well_formed(a, store)


def test_table_question_returns_the_budapest_som_row(seed_settings, store):
    a = ask("What was planned for 30-31 May 2011?", seed_settings)
    assert a.answered
    assert [c.source for c in a.citations] == [S004]
    quote = a.citations[0].quote
    assert "30-31 May" in quote and "Senior Officials" in quote and "Budapest" in quote
    assert "Kiev" not in quote and "Poznan" not in quote  # one row, not the table
    assert_well_formed(a, store)


@pytest.mark.parametrize("filters", [Filters(process="Prague Process"),
                                     {"process": "Prague Process"}])
def test_process_filter_keeps_the_budapest_report_out(seed_settings, store, filters):
    a = ask(COUNT_Q, seed_settings, filters=filters)
    assert S001 not in {c.source for c in a.citations + a.pointers}
    assert all(c.process == "Prague Process" for c in a.citations + a.pointers)
    assert "Prague Process" in a.searched
    if a.answered:
        assert_well_formed(a, store)


def test_source_filter_narrows_to_one_document(seed_settings, store):
    a = ask(OPENED_Q, seed_settings, filters=Filters(sources=(S004,)))
    assert {c.source for c in a.citations + a.pointers} <= {S004}


@pytest.mark.parametrize("question", ["", "   ", None])
def test_empty_question_is_handled(seed_settings, question):
    a = ask(question, seed_settings)
    assert not a.answered and a.text and a.citations == () and a.pointers == ()
    json.dumps(a.to_dict())


# --- LLM mode with fake chat models ---------------------------------------------------------


def numbered_passages(prompt: str) -> dict[int, str]:
    """The passages of our prompt ("[n] title | date | source\\ntext"), by number."""
    blocks = re.split(r"^\[(\d+)\] [^\n]*\n", prompt.split("\n\nQuestion:")[0], flags=re.M)
    return {int(n): text.strip() for n, text in zip(blocks[1::2], blocks[2::2], strict=True)}


class ScriptedModel(GenericFakeChatModel):
    """A fake chat model that writes its answer from the passages it is sent, so it can cite
    the right numbers whatever the retrieval order."""

    messages: Any = None
    script: Any = None
    seen: Any = None

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        passages = numbered_passages(messages[-1].content)
        self.seen = passages
        self.messages = iter([AIMessage(self.script(passages))])
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def with_64(passages: dict[int, str]) -> int:
    return next(n for n, t in passages.items() if "64 participants" in t)


def other_sentence(passages: dict[int, str]) -> tuple[int, str]:
    """A verbatim sentence of another passage (so the check keeps it)."""
    n64 = with_64(passages)
    for n, text in passages.items():
        for line in text.splitlines():
            sentence = re.sub(r"^\d+\.\s*", "", line.strip()).split(". ")[0].rstrip(".")
            if n != n64 and len(sentence.split()) >= 8 and "[" not in sentence:
                return n, sentence
    raise AssertionError("no other passage with a sentence")


def test_llm_answer_maps_citations_to_the_cited_passages(seed_settings, store):
    def script(p):
        m, sentence = other_sentence(p)
        return (f"{sentence} [{m}]. The 32nd Senior Officials Meeting gathered 64 participants "
                f"from 32 countries [{with_64(p)}].")

    model = ScriptedModel(script=script)
    a = ask(COUNT_Q, seed_settings, llm=model)
    assert a.mode == "llm" and a.answered, a.notes
    assert "64 participants" in a.text
    assert re.findall(r"\[\d+\]", a.text) == ["[1]", "[2]"]  # renumbered by first use
    m, _ = other_sentence(model.seen)
    assert [c.passage.strip() for c in a.citations] == [model.seen[m], model.seen[with_64(model.seen)]]
    assert a.citations[1].source == S001 and "64" in a.citations[1].quote
    assert_well_formed(a, store)


def test_llm_citation_of_a_missing_passage_is_removed_and_noted(seed_settings, store):
    model = ScriptedModel(script=lambda p: "The meeting gathered 64 participants from 32 countries "
                                           f"[{with_64(p)}][9].")
    a = ask(COUNT_Q, seed_settings, llm=model)
    assert len(model.seen) < 9
    assert a.mode == "llm" and a.answered
    assert "[9]" not in a.text and re.findall(r"\[\d+\]", a.text) == ["[1]"]
    assert any("[9]" in n for n in a.notes), a.notes
    assert [c.source for c in a.citations] == [S001]
    assert_well_formed(a, store)


def test_llm_failure_falls_back_to_the_extractive_answer(seed_settings, store):
    extractive = ask(COUNT_Q, seed_settings)
    broken = FakeListChatModel(responses=["The meeting gathered many people"], error_on_chunk_number=3)
    a = ask(COUNT_Q, seed_settings, llm=broken)
    assert a.mode == "extractive" and a.answered
    assert a.text == extractive.text and a.citations == extractive.citations
    assert any("language model failed" in n for n in a.notes), a.notes
    assert_well_formed(a, store)


def test_answer_stream_yields_partials_then_the_checked_answer(seed_settings, store):
    model = ScriptedModel(script=lambda p: "The 32nd Senior Officials Meeting gathered 64 "
                                           f"participants from 32 countries [{with_64(p)}].")
    items = list(answer_stream(COUNT_Q, settings=seed_settings, llm=model))
    partial, final = items[:-1], items[-1]
    assert len(partial) >= 5
    assert all(p.mode == "llm-partial" and p.citations == () for p in partial)
    texts = [p.text for p in partial]
    assert all(b.startswith(a) and len(b) > len(a) for a, b in zip(texts, texts[1:], strict=False))
    assert final.mode == "llm" and final.answered and final.text.endswith("[1].")
    assert [c.source for c in final.citations] == [S001]
    assert_well_formed(final, store)


def test_extractive_answer_stream_is_one_item(seed_settings):
    items = list(answer_stream(COUNT_Q, settings=seed_settings))
    assert len(items) == 1 and items[0].mode == "extractive"


# --- question types -------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "noun"), [
    ("How many participants attended the 32nd Senior Officials Meeting?", "participant"),
    ("How many staff does the Budapest Process Secretariat have?", "staff"),
    ("How many countries were represented at the Prague Process SOM in Brussels?", "country"),
    ("What is the number of meetings held in 2022?", "meet"),
    # the noun "many" / "much" qualifies in the parse, past adjectives and compounds
    ("How much extra funding did Sweden commit?", "fund"),
    ("How many EU member states joined the partnership?", "stat"),
    ("How many business leaders took part in the forum?", "leader"),
    ("How much had Malta pledged to it?", None),
    ("What is the phone number of the secretariat?", None),
])
def test_count_noun(question, noun):
    from assistant.qtype import count_noun

    assert count_noun(question) == noun


def test_count_noun_skips_an_adjective():
    from assistant.qtype import count_noun, cue

    q = "How many senior officials attended the online Budapest Process Senior Officials Meeting?"
    assert count_noun(q) == "official"
    assert cue("count", "After two years of virtual Senior Officials Meetings, Senior Officials "
                        "gathered again in person in Istanbul.", q) < 1.0


@pytest.mark.parametrize(("text", "want"), [
    ("The Chairmanship and other countries agreed on the North-South cooperation.", set()),
    ("Delegations of the Czech Republic, Bosnia and Herzegovina and the United States met.",
     {"czech republic", "bosnia and herzegovina", "united states"}),
    ("Turkey’s Directorate General and the Russian Federation", {"turkey", "russian federation"}),
])
def test_countries_in_finds_whole_names_only(text, want):
    from assistant.gazetteer import countries_in

    assert countries_in(text) == want


@pytest.mark.parametrize(("text", "level"), [
    ("before its endorsement in April 2009", 0.8),
    ("on 15 December", 0.8),
    ("15 December 2010", 1.0),
    # "Dec" inside "Declaration" and the verb "may" are not months.
    ("endorsing parties of the BMP Joint Declaration in 2011", 0.5),
    ("Partners may meet again in 2011", 0.5),
    ("No date at all", 0.0),
])
def test_date_cue_wants_a_month_beside_a_day_or_year(text, level):
    from assistant.qtype import cue

    assert cue("date", text, "When was it endorsed?") == level


def test_a_state_answers_who_holds_a_role_but_not_who_spoke():
    from assistant.qtype import cue

    text = "The Chairmanship will convene the Reference Group Chairs, Sweden and Pakistan."
    assert cue("person", text, "Who are the Reference Group Chairs?") >= 0.7
    assert cue("person", text, "Who represented the European Commission?") < 0.7


@pytest.mark.parametrize(("question", "written"), [
    ("What is on the work plan for 3 Nov 2011?", "What is on the work plan for 3 November 2011?"),
    ("at the Dec 2022 SOM", "at the December 2022 SOM"),
    ("in Moscow in Oct. 2010?", "in Moscow in October 2010?"),
    ("the meeting on 15/12/2010", "the meeting on 15 December 2010"),
])
def test_dates_are_written_as_the_reports_write_them(question, written):
    from assistant.qtype import normalise_dates

    assert normalise_dates(question) == written


def test_take_part_reads_as_participate():
    from assistant.qtype import kind_of, normalise_phrases

    assert normalise_phrases("Which states take part in the Prague Process?") == \
        "Which states participate in the Prague Process?"
    assert kind_of("On which exact day in 2011 is the conference?") == "date"


def test_since_when_and_when_has_ask_for_a_date():
    """"Since when has she served ...?" wants a date as much as "When was it held?"; a "when"
    inside a who-question does not make it one."""
    from assistant.qtype import kind_of

    assert kind_of("Since when has Penny Wong served as foreign minister?") == "date"
    assert kind_of("Until when can partners send comments?") == "date"
    assert kind_of("And when have they met since?") == "date"
    assert kind_of("Who decided when the meeting would be held?") == "person"


def test_a_noun_asking_for_a_date_or_a_place_types_the_question():
    """"What were the new dates of ...?" wants a date, not a list; "What was the venue of ...?" a
    place. The noun is read from the parse, wherever the question puts it."""
    from assistant.qtype import kind_of

    assert kind_of("What were the new dates of the Twelfth GFMD Summit in Quito?") == "date"
    assert kind_of("What was the venue of the Rabat Process conference?") == "place"
    assert kind_of("Which days of the week are the offices open?") == "date"
    assert kind_of("What were the themes of the Twelfth GFMD Summit?") == "list"
    assert kind_of("What is the theme of the conference?") == "definition"


def test_ordinals_read_the_meeting_number_in_any_spelling():
    from assistant.terms import ordinal_match, ordinals

    assert ordinals("the 33rd SOM") == {33}
    assert ordinals("The Sixth Ministerial Consultation") == {6}
    assert ordinals("XXII South American Conference on Migration") == {22}
    assert ordinals("the twenty-first session") == {21}
    assert ordinals("the first time; I Agree") == set()  # "first" and a lone "I" are not numbers
    assert ordinal_match({8}, "Preparatory meetings for 8th Abu Dhabi Dialogue") == 1.0
    assert ordinal_match({8}, "The Sixth Ministerial Consultation") == -1.0
    assert ordinal_match({8}, "The Ministerial Consultation") == 0.0


def test_question_focus_is_the_noun_asked_about():
    from assistant.qtype import question_focus

    assert question_focus("Which report did the Board adopt in June 2022?", "list") == "report"
    assert question_focus("How many staff does the Secretariat have?", "count") == "staff"
    assert question_focus("Which venue hosted the Twelfth GFMD Summit?", "place") is None  # a kind, not a topic
    assert question_focus("Who opened the EMN Conference 2014?", "person") is None


@pytest.mark.parametrize(("question", "kind", "noun"), [
    ("What was the central theme of the 13th GFMD Summit hosted online by the UAE?", "other", "theme"),
    ("What budget was agreed for the Secretariat?", "other", "budget"),
    ("What was the GFMD's main theme in 2017?", "definition", "theme"),
    # what the question is about, not what it asks for
    ("What was the 2016 workshop in Prague dedicated to discussing?", "definition", None),
    ("How many staff does the Secretariat have?", "count", "staff"),
    ("What is Martijn Pluim's role?", "definition", None),  # a title states a role unnamed
    ("Which countries hosted the first three meetings?", "list", None),  # a category
    ("Who opened the EMN Conference 2014?", "person", None),
    # the title asked for: "British Home Secretary Theresa May said ..." answers it
    ("Which British minister said the UK wanted to smash the link?", "person", None),
    ("When was the theme of the Summit announced?", "date", None),  # no "what": nothing asked
])
def test_asked_noun_is_what_a_quote_must_state(question, kind, noun):
    from assistant.qtype import asked_noun
    from assistant.textnorm import tokens

    assert asked_noun(question, kind) == (tokens(noun)[0] if noun else None)

