"""Which common nouns name people in this corpus, learnt from its own named entities.

A "which MINISTER" or "which OFFICIAL" question wants a person, a "which COUNTRY" one a state,
a "which REPORT" one a thing. Rather than a list of person nouns, the reports themselves say
which nouns are titles: the word just before a PERSON entity ("Minister Nasser Bourita",
"Ambassador Scepanovic") and the head of the apposition just after one ("Donald Tusk,
President of the European Council"). A noun seen there often enough, and mostly with people,
is a title. Computed once per state of the keyword index, from its stored entity spans (an
even sample of at most SAMPLE_ROWS chunks); `answering.warm_up` computes it before serving.

    >>> "minist" in person_nouns(index)
    True
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter

from .index import ChunkIndex
from .textnorm import STOPWORDS, tokens

MIN_SEEN = 3        # times a noun must title a person
MIN_SHARE = 0.6     # of all the entities it stands beside
SAMPLE_ROWS = 4000  # chunks read at most (about 0.4 s; every chunk of 50k would take 5 s)
_BEFORE = re.compile(r"([A-Za-z][a-z-]+)\.?\s+$")
_AFTER = re.compile(r"^,\s+(?:the\s+|a\s+|an\s+)?(?:[A-Z][a-z]+\s+){0,2}?([A-Za-z][a-z-]+)\b")
_HONORIFIC = frozenset(("mr", "ms", "mrs", "dr", "prof", "he", "h.e", "sir", "madam", "excellency"))

# Per index (dropped with it): the index state it was computed for, and the nouns.
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def title_counts(index: ChunkIndex) -> dict[str, Counter]:
    """For each word standing just before an entity or heading an apposition after it, how
    often it does so with each entity label."""
    counts: dict[str, Counter] = {}
    rows = index.rows
    step = max(1, len(rows) // SAMPLE_ROWS)  # titles are frequent: an even sample finds them
    for i in range(0, len(rows), step):
        row = rows[i]
        text = row.text
        ents = row.ents if row.ents is not None else ()  # never runs NER here: stored spans only
        for start, end, label in ents:
            lo = max(0, start - 40)
            for m, at in ((_BEFORE.search(text[lo:start]), lo), (_AFTER.match(text[end:end + 60]), end)):
                if m is None or any(s <= at + m.start(1) < e for s, e, _ in ents):
                    continue  # a name ("Zimbabwe's Minister"), not a title
                word = m.group(1).lower()
                tok = tokens(word)
                if not tok or word in _HONORIFIC or tok[0] in STOPWORDS:
                    continue
                counts.setdefault(tok[0], Counter())[label] += 1
    return counts


def person_nouns(index: ChunkIndex) -> frozenset[str]:
    """Tokens (as `textnorm.tokens` gives them) of the nouns this corpus uses as people's titles."""
    key = (len(index.rows), getattr(index, "_generation", None))
    with _lock:
        hit = _cache.get(index)
        if hit and hit[0] == key:
            return hit[1]
    counts = title_counts(index)
    out = frozenset(w for w, c in counts.items()
                    if c["PERSON"] >= MIN_SEEN and c["PERSON"] >= MIN_SHARE * sum(c.values()))
    with _lock:
        _cache[index] = (key, out)
    return out
