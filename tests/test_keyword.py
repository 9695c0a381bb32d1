"""BM25 over token lists: ranking, IDF and zero scores on tiny corpora."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.keyword import BM25
from assistant.textnorm import tokens

DOCS = [
    ["budapest", "process", "meet", "istanbul"],
    ["prague", "process", "meet", "brussel"],
    ["budapest", "budapest", "silk", "rout"],
    ["prague", "action", "plan", "poznan", "minister", "conference", "poland", "warsaw"],
]


@pytest.fixture
def bm():
    return BM25(DOCS)


def test_more_occurrences_rank_higher(bm):
    s = bm.scores({"budapest": 1.0})
    assert s[2] > s[0] > 0
    assert s[1] == 0 and s[3] == 0


def test_rare_term_outweighs_common_term(bm):
    # "istanbul" is in one document, "process" in two: the rare match wins.
    assert bm.idf("istanbul") > bm.idf("process")
    s = bm.scores({"process": 1.0, "istanbul": 1.0})
    assert int(np.argmax(s)) == 0
    assert s[0] > s[1] > 0


def test_shorter_document_wins_at_equal_term_frequency(bm):
    s = bm.scores({"prague": 1.0})
    assert s[1] > s[3] > 0  # both hold "prague" once; doc 3 is twice as long


def test_unseen_token_gets_the_highest_idf(bm):
    unseen = bm.idf("zanzibar")
    assert unseen == pytest.approx(math.log1p((len(DOCS) + 0.5) / 0.5))
    assert all(unseen > bm.idf(t) for doc in DOCS for t in doc)
    assert bm.doc_freq("zanzibar") == 0
    assert bm.doc_freq("process") == 2 and bm.doc_freq("budapest") == 2


def test_absent_terms_score_zero(bm):
    assert not bm.scores({"zanzibar": 1.0}).any()
    s = bm.scores({"silk": 1.0})
    assert np.count_nonzero(s) == 1 and s[2] > 0


def test_query_weights_scale_and_zero_weight_is_ignored(bm):
    one = bm.scores({"poznan": 1.0})
    assert bm.scores({"poznan": 2.0}) == pytest.approx(2 * one)
    assert not bm.scores({"poznan": 0.0}).any()
    both = bm.scores({"poznan": 1.0, "istanbul": 0.5})
    assert both == pytest.approx(one + 0.5 * bm.scores({"istanbul": 1.0}))


def test_scores_match_the_bm25_formula(bm):
    # Doc 2 holds "budapest" twice; k1=1.2, b=0.75, avgdl=5, |d|=4.
    n, df, tf, dl, avgdl = 4, 2, 2, 4, 5.0
    idf = math.log1p((n - df + 0.5) / (df + 0.5))
    expected = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl))
    assert bm.scores({"budapest": 1.0})[2] == pytest.approx(expected, rel=1e-5)


def test_empty_index_scores_nothing():
    empty = BM25([])
    assert empty.scores({"budapest": 1.0}).shape == (0,)
    assert empty.doc_freq("budapest") == 0


def test_folded_stemmed_tokens_match_across_spelling():
    bm = BM25([tokens("Dr. Savaş Ünlü opened the meeting"), tokens("Ms. Timea Lehoczki spoke")])
    s = bm.scores(dict.fromkeys(tokens("Savas Unlu"), 1.0))
    assert s[0] > 0 and s[1] == 0


def test_scores_in_equals_the_full_scores_on_that_stretch(bm):
    q = {"budapest": 1.0, "process": 0.5, "prague": 2.0}
    full = bm.scores(q)
    assert np.allclose(bm.scores_in(q, 1, 3), full[1:3])
    assert bm.doc_freq_in("budapest", 0, 2) == 1 and bm.doc_freq_in("budapest", 0, 4) == 2
    assert bm.doc_freq_in("unseen", 0, 4) == 0


def test_from_ids_over_a_shared_vocabulary_scores_as_from_token_lists(bm):
    # The index's one string table holds words no document of this index has (unit kinds,
    # another index's words): they must weigh as unseen words, not as words of document frequency 0.
    vocab = {w: i for i, w in enumerate(["sentence", "zanzibar", *dict.fromkeys(t for d in DOCS for t in d)])}
    ids = np.array([vocab[t] for d in DOCS for t in d], dtype=np.int32)
    offsets = np.cumsum([0] + [len(d) for d in DOCS])
    shared = BM25.from_ids(offsets, ids, vocab)
    for q in ({"budapest": 1.0}, {"process": 0.5, "istanbul": 1.0, "zanzibar": 2.0, "sentence": 1.0}):
        assert np.array_equal(shared.scores(q), bm.scores(q))
        assert np.array_equal(shared.scores_in(q, 1, 3), bm.scores_in(q, 1, 3))
    for word in ("budapest", "silk", "zanzibar", "sentence", "absent"):
        assert shared.idf(word) == bm.idf(word)
        assert shared.doc_freq(word) == bm.doc_freq(word)
        assert shared.doc_freq_in(word, 0, 3) == bm.doc_freq_in(word, 0, 3)
