"""What a question's answer looks like in named-entity terms, and whether a unit carries one.

"who" wants a PERSON (or, for roles that states hold — chairs, hosts, members — a GPE, NORP
or ORG), "where" a GPE/LOC/FAC, "when" a DATE, "how many" a CARDINAL/QUANTITY next to the noun
asked about. The answer must be an entity the question does not already name. Entity spans come
from spaCy's pipeline at ingest (`assistant.nlp`), so this costs a question nothing.

    >>> entity_features("person", "Who opened the meeting?", "Mr Ali opened it.", [(0, 6, "PERSON")], {"open"})
    {'ent_match': 1.0, 'ent_near': ..., 'ent_new': 1.0, ...}
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from .gazetteer import country_spans, demonyms
from .qtype import state_role
from .textnorm import STOPWORDS, fold, tokens

WANTED = {
    "person": frozenset(("PERSON",)),
    "place": frozenset(("GPE", "LOC", "FAC")),
    "date": frozenset(("DATE",)),
    "count": frozenset(("CARDINAL", "QUANTITY", "MONEY", "PERCENT")),
}
STATES = frozenset(("GPE", "NORP", "ORG"))
NAMES = frozenset(("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "LAW"))


_WHO = re.compile(r"\s*who\b")


def asks_who(question: str) -> bool:
    """Whether the question opens with "who" ("Which country ...?" does not)."""
    return bool(_WHO.match(fold(question)))


@lru_cache(maxsize=256)
def wanted_labels(kind: str, question: str) -> frozenset[str]:
    """Entity labels that can answer a question of this kind ("which countries" wants GPEs)."""
    labels = WANTED.get(kind, frozenset())
    q = fold(question)
    if kind == "person" and state_role(question):
        labels = labels | STATES
    if kind == "list" and re.search(r"\bcountr|\bstates?\b|\bgovernments?\b|\bdelegations?\b", q):
        labels = frozenset(("GPE", "NORP"))
    elif kind == "list" and re.search(r"\borgani[sz]ations?\b|\bagenc|\bbod(y|ies)\b|\binstitution", q):
        labels = frozenset(("ORG",))
    elif kind == "list" and re.search(r"\bwho\b|\bpersons?\b|\bpeople\b|\bspeakers?\b|\bministers?\b", q):
        labels = frozenset(("PERSON",))
    elif kind in ("other", "definition", "list") and asks_who(question):
        labels = frozenset(("PERSON",)) | STATES
    return labels


_WORDS = re.compile(r"[^\w]+")


def question_names(question: str, previous: str = "") -> str:
    """The folded question (and earlier turn), plus the countries its adjectives of nationality
    name: "Which Hungarian minister ...?" names Hungary, so "Hungary" in a quote is not news."""
    fq = fold(question + " " + previous)
    dem = demonyms()
    named = [dem[w] for w in re.findall(r"[a-z]+", fq) if w in dem]
    return " ".join([fq, *named])


def _in_question(text: str, folded_question: str) -> bool:
    """Whether the question names this entity, as whole words: the "32" of "64 participants
    from 32 countries" is not named by "the 32nd meeting"."""
    t = _WORDS.sub(" ", fold(text)).strip()
    return bool(t) and f" {t} " in f" {_WORDS.sub(' ', folded_question)} "


def entity_features(kind: str, question: str, text: str, ents: Sequence[tuple[int, int, str]],
                    terms: set[str], previous: str = "", folded: str | None = None) -> dict[str, float]:
    """Features of a unit's entities (offsets within `text`) for a question of `kind`:

    ent_match: it carries a wanted entity the question does not name;
    ent_near: how close (in characters) that entity is to the question's words in the unit;
    ent_new: share of the unit's named entities that the question does not name;
    ent_names: it carries any name (PERSON/ORG/GPE/...) the question does not name.
    """
    fq = folded if folded is not None else question_names(question, previous)
    wanted = wanted_labels(kind, question)
    new = [(s, e, k) for s, e, k in ents if not _in_question(text[s:e], fq)]
    match = [(s, e) for s, e, k in new if k in wanted]
    near = 0.0
    if match and terms:
        spots = _spots(text, terms)
        d = min((_distance(p, s, e) for s, e in match for p in spots if not s <= p < e), default=None)
        if d is not None:
            near = math.exp(-d / 80.0)
    named = [k for _, _, k in ents if k in NAMES]
    core = WANTED.get(kind, frozenset())
    return {
        "ent_match": 1.0 if match else 0.0,
        # the kind's own entity (a PERSON for "who"), not a state holding the role asked about
        "ent_core": 1.0 if any(k in core for _, _, k in new) else 0.0,
        "ent_near": near,
        "ent_new": (len(new) / len(ents)) if ents else 0.0,
        "ent_names": 1.0 if any(k in NAMES for _, _, k in new) else 0.0,
        "ent_typed": 1.0 if wanted else 0.0,
        "ent_count": min(len(named), 5) / 5.0,
    }


def unit_entities(row_text: str, row_start: int, row_ents: Sequence[tuple[int, int, str]],
                  start: int, end: int) -> list[tuple[int, int, str]]:
    """The entities of a chunk that fall inside the unit [start, end) (document offsets),
    as offsets within the unit's text."""
    lo, hi = start - row_start, end - row_start
    # A name has letters: the small pipeline sometimes calls a numeric date "07/03/2016" an ORG.
    return [(s - lo, e - lo, k) for s, e, k in row_ents if s >= lo and e <= hi
            and (k not in NAMES or any(c.isalpha() for c in row_text[s:e]))]


def with_countries(text: str, ents: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The unit's entities with the gazetteer's countries as GPEs: those the small NER model
    left out ("Chaired by Bulgaria" has one, "Chaired by North Macedonia" none) are added, and
    an entity that lies within a country's name is that country, whatever label the model gave
    it ("North Macedonia" as a LOC). A longer entity holding a country's name keeps its own
    ("the Government of the Republic of Moldova" is an ORG)."""
    countries = country_spans(text)
    out = []
    for s, e, k in ents:
        inside = any(cs <= s and e <= ce for cs, ce in countries)
        out.append((s, e, "GPE" if inside and k != "GPE" else k))
    for s, e in countries:
        if not any(s < e2 and s2 < e for s2, e2, _ in ents):
            out.append((s, e, "GPE"))
    return sorted(out)


_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_CLAUSE = re.compile(r"[.;:()\n]")
# Labels a titled name never overrides: already a person, or a body ("Migration Department").
_NOT_PEOPLE = frozenset(("PERSON", "ORG", "FAC", "EVENT", "LAW"))


def with_titled_names(text: str, ents: Sequence[tuple[int, int, str]],
                      titles: frozenset[str]) -> list[tuple[int, int, str]]:
    """The unit's entities with the people its titles name in apposition: two to four
    capitalised words set off by a comma from a phrase holding one of the corpus's titles
    (`title_nouns.person_nouns`), before or after ("Deputy Minister of the Interior, Renata
    Szczęch"; "Radim Zak, Process Coordinator"). The small NER model misses such names or
    labels them otherwise ("Renata Szczęch" as a GPE); a country's name is never one."""
    if not titles:
        return list(ents)
    words = list(_WORD.finditer(text))
    runs: list[tuple[int, int, list[str]]] = []
    i = 0
    while i < len(words):
        j = i
        while (j < len(words) and words[j].group()[0].isupper()
               and (j == i or text[words[j - 1].end():words[j].start()] == " ")):
            j += 1
        if j - i >= 2 and j - i <= 4:
            runs.append((words[i].start(), words[j - 1].end(), [w.group() for w in words[i:j]]))
        i = max(j, i + 1)
    out = list(ents)
    countries = None  # looked for only when a run qualifies: most units have none
    for s, e, names in runs:
        toks = [t for w in names for t in tokens(w)]
        if (any(t in titles or t in STOPWORDS for t in toks)
                or any(k in _NOT_PEOPLE and s2 < e and s < e2 for s2, e2, k in ents)):
            continue
        before = _CLAUSE.split(text[max(0, s - 80):s])[-1]
        after = text[e:e + 60]
        titled = (before.rstrip().endswith(",") and any(t in titles for t in tokens(before))) or (
            after.startswith(",") and any(t in titles for t in tokens(" ".join(after[1:].split()[:5]))))
        if not titled:
            continue
        countries = country_spans(text) if countries is None else countries
        if not any(cs < e and s < ce for cs, ce in countries):
            out = [x for x in out if not (s <= x[0] and x[1] <= e)] + [(s, e, "PERSON")]
    return sorted(out)


def typed_entities(row, start: int, end: int, text: str,
                   titles: frozenset[str]) -> list[tuple[int, int, str]]:
    """The entities of the unit `text` = row text [start, end) (document offsets) as the answerer
    types them: the stored spans inside it, the gazetteer's countries, and people named beside
    the corpus's titles (offsets within `text`)."""
    ents = unit_entities(row.text, row.start, row.entities(), start, end)
    return with_titled_names(text, with_countries(text, ents), titles)


def answer_span(kind: str, question: str, text: str, ents: Sequence[tuple[int, int, str]],
                terms: set[str], previous: str = "") -> tuple[int, int] | None:
    """The phrase in a quoted unit that answers: the wanted entity nearest the question's
    words (offsets within `text`), or None."""
    fq = question_names(question, previous)
    wanted = wanted_labels(kind, question)
    match = [(s, e) for s, e, k in ents if k in wanted and not _in_question(text[s:e], fq)]
    if not match:
        return None
    spots = _spots(text, terms)
    # A question word that is the entity itself ("32" of "the 32nd meeting" in "from 32
    # countries") says nothing about which entity answers: only the others count.
    def nearness(se: tuple[int, int]) -> int:
        return min((_distance(p, *se) for p in spots if not se[0] <= p < se[1]), default=10**9)

    return min(match, key=nearness) if spots else match[0]


def _spots(text: str, terms: set[str]) -> list[int]:
    """Where the question's words start in `text`."""
    return [m.start() for m in re.finditer(r"[\w’'-]+", text)
            if (tok := tokens(m.group(0))) and tok[0] in terms]


def _distance(p: int, s: int, e: int) -> int:
    """Characters between a word starting at `p` and the entity text[s:e]."""
    return s - p if p < s else max(0, p - e)
