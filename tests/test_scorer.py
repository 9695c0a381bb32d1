"""The shipped scorer: it loads, records what it was fitted on, has a model per held-out fold,
and ranks an evident answer above an unrelated sentence."""

from __future__ import annotations

from assistant.evaluation import FOLDS
from assistant.scoring import WEIGHTS_FILE, _weights, load_scorer


def test_shipped_scorer_records_its_fit_and_every_fold():
    data = _weights(str(WEIGHTS_FILE))
    fit = data["fitted_on"]
    assert fit["questions"] > 100 and fit["documents"] > 50
    assert "bench.fit_answerer" in fit["command"] and fit["date"]
    assert sorted(data["folds"]) == [str(k) for k in range(FOLDS)]
    for k in range(FOLDS):
        s = load_scorer(fold=k)
        assert 0.0 < s.threshold < 1.0


def test_scorer_prefers_a_typed_similar_unit_to_an_unrelated_one():
    s = load_scorer()
    good = {"dense": 0.7, "coverage": 1.0, "context": 1.0, "cue": 1.0, "doc": 1.0, "rank": 1.0,
            "ent_match": 1.0, "ent_near": 0.9, "ent_new": 1.0, "ent_typed": 1.0, "exact": 1.0,
            "kind_person": 1.0, "passage": 0.6, "length": 0.8}
    bad = {"dense": 0.05, "coverage": 0.0, "context": 0.1, "cue": 0.0, "doc": 0.0, "rank": 0.05,
           "ent_match": 0.0, "ent_typed": 1.0, "kind_person": 1.0, "passage": 0.1, "length": 0.8}
    assert s.unit.logit(good) > s.unit.logit(bad) + 1.0  # a conditional logit: scores rank
    sure = {"p_unit": 0.9, "p_gap": 0.6, "p_doc_gap": 0.6, "strict_share": 1.0, "supported": 1.0,
            "coverage_q": 1.0, "type_ok": 1.0, "ent_match": 1.0, "dense": 0.7, "doc": 1.0,
            "context": 1.0, "kind_person": 1.0, "verb": 1.0, "has_verb": 1.0,
            # the question's constraints all satisfied by the quoted unit and its report
            "strict_cited": 1.0, "ord_ok": 1.0, "focus_cited": 1.0}
    unsure = {**sure, "p_unit": 0.05, "p_gap": -0.3, "p_doc_gap": -0.3, "strict_share": 0.0,
              "missing": 1.0, "supported": 0.0, "coverage_q": 0.2, "type_ok": 0.0,
              "ent_match": 0.0, "dense": 0.1, "doc": 0.0, "context": 0.2, "focus_missing": 1.0,
              "verb": 0.0, "strict_cited": 0.0, "focus_cited": 0.0, "typed_no_verb": 1.0,
              "typed_no_entity": 1.0}
    assert s.answer.probability(sure) >= s.threshold > s.answer.probability(unsure)


def test_the_threshold_counts_a_refused_answerable_question_as_the_floors_do():
    """Refusing a question the reports answer costs twice (not right, and a false refusal):
    one more unanswerable question refused (1/8) does not pay for one answerable (2/11)."""
    from bench.fit_answerer import best_threshold

    answerable = [(0.9, 1, True)] * 9 + [(0.26, 1, True), (0.28, 0, True)]
    unanswerable = [(0.1, 0, False)] * 7 + [(0.27, 0, False)]
    assert best_threshold(answerable + unanswerable) == 0.26
    # Without the answerable question at 0.26 the same refusal costs nothing: refuse at 0.28.
    assert best_threshold(answerable[:9] + answerable[10:] + unanswerable) == 0.28
