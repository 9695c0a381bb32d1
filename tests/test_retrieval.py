"""Hybrid retrieval over the ingested seeds: folding in keyword search, the answering passage
in the top 5, filters on both retrievers, and follow-up planning."""

from __future__ import annotations

import pytest

from assistant.answering import resources, search
from assistant.retrieval import chroma_where, plan_query
from assistant.textnorm import fold, tokens
from assistant.types import Filters

S000, S001, S004 = "000_dee6c97f22f75511.txt", "001_06afa2b095fced14.txt", "004_7b05704cdeef6cba.txt"

# (question, source, words the answering passage contains), one or two per seed.
TOP5 = [
    ("How many senior officials attended the online Budapest Process Senior Officials Meeting?",
     S000, "Over 100 senior officials from 37 countries"),
    ("Who gave the opening statement as Co-Chair of the Budapest Process at the online meeting?",
     S000, "Gábor Tóthi"),
    ("How many people attended the 2022 Budapest Process SOM in Istanbul?",
     S001, "gathered 64 participants from 32 countries"),
    ("What does COLEP stand for?", S001, "Cooperation between Law Enforcement Practitioners"),
    ("Which country is the current Chair of the Budapest Process Reference Group?",
     S001, "Sweden as the current Chair of the Reference Group"),
    ("Where was the Prague Process SOM held in December 2010?",
     S004, "took place in Brussels on 15 December 2010"),
    ("Which country took over the leadership of the Prague Process from the Czech Republic?",
     S004, "handed over the leadership of the Prague Process to Poland"),
    ("Who is the ICMPD co-ordinator of Building Migration Partnerships?", S004, "Radim Žák"),
]


@pytest.fixture(scope="module")
def res(seed_settings):
    return resources(seed_settings)


def keyword_hits(res, question, filters=None, k=10):
    plan = plan_query(question)
    return [res.index.rows[r] for r, _ in res.index.keyword_search(plan.keywords, k, filters)]


def dense_hits(res, question, filters=None, k=10):
    vec = res.embedder.encode([question])[0]
    return [res.index.rows[r] for r, _ in res.searcher.dense(vec, k, filters or Filters())]


def test_ascii_name_finds_the_accented_passage_by_keyword(res):
    rows = keyword_hits(res, "Savas Unlu")
    assert rows, "keyword search found nothing for 'Savas Unlu'"
    assert "Savaş Ünlü" in rows[0].text and rows[0].source == S001
    # And the accented spelling finds the same passage first.
    assert keyword_hits(res, "Savaş Ünlü")[0].id == rows[0].id


def test_ascii_name_in_hybrid_search(seed_settings):
    top = search("What did Savas Unlu do?", k=3, settings=seed_settings)
    assert any("Savaş Ünlü" in c.passage for c in top)


@pytest.mark.parametrize(("question", "source", "evidence"), TOP5, ids=[q[0][:40] for q in TOP5])
def test_answering_passage_is_in_the_top_5(seed_settings, question, source, evidence):
    top = search(question, k=5, settings=seed_settings)
    assert len(top) == 5
    assert [c.index for c in top] == [1, 2, 3, 4, 5]
    assert [c.score for c in top] == sorted((c.score for c in top), reverse=True)
    found = [c.index for c in top if c.source == source and fold(evidence) in fold(c.passage)]
    assert found, [(c.source, c.passage[:80]) for c in top]


def test_passages_are_the_store_text_at_their_span(seed_settings, res):
    for c in search("Who opened the 2022 meeting in Istanbul?", k=5, settings=seed_settings):
        doc = res.store.doc_text(c.source)
        assert doc[c.passage_start : c.passage_end] == c.passage


FILTER_CASES = [
    (Filters(process="Prague Process"), {S004}),
    (Filters(process="Budapest Process"), {S000, S001}),
    (Filters(year_from=2020), {S001}),  # 000 has no date (year 0): not "from 2020"
    (Filters(year_to=2015), {S004}),
    (Filters(year_from=2010, year_to=2010), {S004}),
    (Filters(sources=(S000,)), {S000}),
    (Filters(process="Budapest Process", year_to=2021), set()),  # 000 undated, 001 is 2022
]


@pytest.mark.parametrize(("filters", "allowed"), FILTER_CASES, ids=[f.describe() for f, _ in FILTER_CASES])
def test_filters_apply_to_dense_and_keyword_results(res, seed_settings, filters, allowed):
    question = "Senior Officials Meeting participants countries Budapest Prague"
    dense = dense_hits(res, question, filters)
    keyword = keyword_hits(res, question, filters)
    assert {r.source for r in dense} == allowed
    assert {r.source for r in keyword} == allowed
    fused = search(question, k=20, filters=filters, settings=seed_settings)
    assert {c.source for c in fused} == allowed
    # Unfiltered, the same question reaches documents outside the filter.
    if allowed:
        everywhere = dense_hits(res, question, k=len(res.index)) + keyword_hits(res, question, k=50)
        assert {r.source for r in everywhere} - allowed


def test_chroma_where_clauses():
    assert chroma_where(Filters()) is None
    assert chroma_where(Filters(process="Prague Process")) == {"process": "Prague Process"}
    where = chroma_where(Filters(year_from=2010, year_to=2012, sources=("a.txt",)))
    assert {"year": {"$gte": 2010}} in where["$and"] and {"source": {"$in": ["a.txt"]}} in where["$and"]


def test_follow_up_is_searched_with_the_earlier_turn():
    earlier = ("Who opened the 2022 meeting?",
               "Dr. Savaş Ünlü, President of the Presidency of Migration Management opened the "
               "Senior Officials Meeting [1].")
    plan = plan_query("What is his position?", history=(earlier,))
    assert plan.follow_up
    assert "2022" in plan.dense_text and "Savaş Ünlü" in plan.dense_text
    for word in ("opened", "2022", "Unlu", "Presidency"):
        assert tokens(word)[0] in plan.keywords, word
    # The question's own words weigh more than the earlier turn's.
    assert plan.keywords[tokens("position")[0]] > plan.keywords[tokens("opened")[0]]
    assert "[1]" not in plan.context


def test_self_contained_question_ignores_the_history():
    earlier = ("Who opened the 2022 meeting?", "Dr. Savaş Ünlü opened it [1].")
    plan = plan_query("Where did the Prague Process SOM take place in December 2010?",
                      history=(earlier,))
    assert not plan.follow_up
    assert plan.dense_text == plan.question
    assert tokens("Unlu")[0] not in plan.keywords and tokens("opened")[0] not in plan.keywords
    assert tokens("Prague")[0] in plan.keywords


def test_follow_up_retrieves_the_passage_the_conversation_is_about(seed_settings):
    history = (("Who opened the 2022 meeting in Istanbul?",
                "Dr. Savaş Ünlü opened the Senior Officials Meeting [1]."),)
    top = search("What is his position?", k=3, history=history, settings=seed_settings)
    assert any("Savaş Ünlü, President" in c.passage for c in top)
    # Without the earlier turn the same words do not point there.
    alone = search("What is his position?", k=3, settings=seed_settings)
    assert [c.chunk_id for c in alone] != [c.chunk_id for c in top]
