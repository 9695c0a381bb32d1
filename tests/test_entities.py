"""Named entities: found by spaCy's packaged English pipeline, stored with each chunk at ingest,
and used to type candidate answers."""

from __future__ import annotations

from assistant.answer_types import answer_span, entity_features, wanted_labels
from assistant.nlp import dumps_ents, entity_spans, loads_ents, question_verbs
from assistant.settings import ROOT, Settings
from assistant.store import Store, iter_collection
from ingest.entities import SEGMENT_CHARS, read_entities, segments, spans_within
from ingest.metadata import head_of


def test_entity_spans_find_people_places_dates_and_numbers():
    text = ("Workneh Gebayehu opened the meeting in Addis Ababa on 26 June 2019; "
            "64 participants from Equatorial Guinea attended.")
    spans = entity_spans([text])[0]
    found = {(text[s:e], k) for s, e, k in spans}
    assert ("Workneh Gebayehu", "PERSON") in found
    assert ("Addis Ababa", "GPE") in found
    assert any(k == "DATE" and "2019" in t for t, k in found)
    assert ("64", "CARDINAL") in found
    assert loads_ents(dumps_ents(spans)) == spans
    assert loads_ents(None) is None


def test_ingest_stores_each_chunks_entities(seed_settings: Settings):
    store = Store(seed_settings)
    people = []
    for _, metas, docs in iter_collection(store.chunks, include=["metadatas", "documents"]):
        for meta, text in zip(metas, docs, strict=True):
            spans = loads_ents(meta.get("ents"))
            assert spans is not None  # every chunk carries its entities
            assert all(0 <= s < e <= len(text) for s, e, _ in spans)
            people += [text[s:e] for s, e, k in spans if k == "PERSON"]
    assert any("Ünlü" in p for p in people)


def test_answer_needs_an_entity_the_question_does_not_name():
    q = "Who opened the meeting in Istanbul?"
    text = "Dr. Savaş Ünlü opened the meeting in Istanbul."
    ents = entity_spans([text])[0]
    f = entity_features("person", q, text, ents, {"open", "meet"})
    assert f["ent_match"] == 1.0 and f["ent_near"] > 0.3
    same = "The meeting in Istanbul was opened."
    g = entity_features("person", q, same, entity_spans([same])[0], {"open", "meet"})
    assert g["ent_match"] == 0.0  # Istanbul is named by the question: it answers nothing
    s, e = answer_span("person", q, text, ents, {"open"})
    assert "Ünlü" in text[s:e]
    assert "GPE" in wanted_labels("person", "Which country chaired the meeting?")


def test_question_verbs_skip_light_verbs():
    assert question_verbs("Who represented Poland at the conference?")[0] == "represent"
    assert question_verbs("Where was the meeting held?") == ()


def test_a_document_is_read_once_in_segments_that_cover_it():
    text = ("Intro line.\n" + "The Budapest Process met in Istanbul. " * 120 + "\n") * 3
    head = len(head_of(text))
    pieces = segments(text, head)
    assert pieces[0] == (0, head)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))  # no gap
    assert pieces[-1][1] == len(text)
    assert all(e - s <= SEGMENT_CHARS for s, e in pieces[1:])
    assert all(text[e - 1 : e + 1].strip() != text[e - 1 : e + 1] for _, e in pieces[:-1])
    reading = read_entities(text, head)
    # Offsets are the document's; a chunk gets those inside its span, relative to it.
    assert "Istanbul" in {text[s:e] for s, e, k in reading.entities if k == "GPE"}
    start = text.index("Istanbul", 5000) - 10
    inside = spans_within(reading.entities, start, start + 30)
    assert [(text[start:][s:e], k) for s, e, k in inside] == [("Istanbul", "GPE")]
    opening = read_entities(text, head, whole=False)
    assert opening.entities == tuple(e for e in reading.entities if e[1] <= head)
    assert opening.sentences == reading.sentences


def test_ingest_without_ner_keeps_the_metadata_and_stores_no_entities(tmp_path):
    from ingest.loaders import load
    from ingest.pipeline import run_ingest

    seed = ROOT / "corpus" / "001_06afa2b095fced14.txt"
    with_ner, without = load(seed, seed.name, entities=True), load(seed, seed.name)
    assert with_ner.meta == without.meta and without.entities is None
    settings = Settings(corpus_dir=seed.parent, store_dir=tmp_path / "s", collection="n",
                        ingest_ner="off")
    assert not run_ingest(settings, progress=False).failed
    metas = [m for _, ms, _ in iter_collection(Store(settings).chunks, include=["metadatas"])
             for m in ms]
    assert metas and all("ents" not in m for m in metas)
