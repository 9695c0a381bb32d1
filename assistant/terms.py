"""The question's vocabulary: which words weigh, which must be found, and which spellings and
paraphrases count as the same word ("Turkish" ~ "Türkiye", "purpose" ~ "objective").

    >>> sorted(strict_terms("Who opened the 2022 SOM in Istanbul?"))
    ['2022', 'istanbul', 'som']
"""

from __future__ import annotations

import re

from .dialogues import dialogues_in, is_dialogue
from .gazetteer import demonyms, last_words
from .nlp import irregular_forms, parse_question
from .textnorm import STOPWORDS, fold, stem, tokens

QUESTION_WORDS = frozenset("who whom what when where which why how many much does did do is are was "
                           "were the a an of in on at for to by".split())
GENERIC = frozenset(tokens("meeting report document documents say mention state said information "
                           "detail details question answer according text passage"))
# Domain spellings and paraphrases a reader treats as the same word (folded, stemmed).
_ALIASES: dict[str, tuple[str, ...]] = {
    "turkey": ("turkiy",), "turkiy": ("turkey",), "kyiv": ("kiev",), "kiev": ("kyiv",),
    "czechia": ("czech",), "russia": ("russian",), "uk": ("kingdom",), "eu": ("european",),
    "email": ("mail",), "attend": ("gather", "participant", "particip", "join"),
    "people": ("participant",),
    "decid": ("decision", "agre", "yes"), "decision": ("decid", "agre", "yes"),
    "chair": ("chairmanship", "chairman"), "chairmanship": ("chair",), "host": ("hosted",),
    "plan": ("work", "planned"), "held": ("hold", "take", "place"), "hold": ("held",),
    "join": ("participant", "particip", "gather", "attend", "inclusion", "becoming", "invite"),
    "invite": ("join",), "gather": ("attend", "join", "participant"),
    "propos": ("proposal", "suggest"), "suggest": ("propos",), "expansion": ("expand",),
    "expand": ("expansion",),
    "purpos": ("objective", "aim", "goal"), "objective": ("purpos", "aim", "goal"),
    "aim": ("purpos", "objective", "goal"), "goal": ("purpos", "objective", "aim"),
    "financ": ("fund", "funded"), "fund": ("financ",), "directorat": ("dg",),
    "lead": ("leadership", "led"), "leader": ("lead", "leadership"),
    "virtual": ("online",), "online": ("virtual",),
    "organisation": ("organization",), "organization": ("organisation",),
}


def _demonym_aliases() -> dict[str, tuple[str, ...]]:
    """"the Turkish Chair" is Türkiye's, "Morocco's minister" the Moroccan one: each adjective
    of nationality (`gazetteer.demonyms`) and the words that name its country on their own
    count as each other."""
    out: dict[str, set[str]] = {}
    for adj, country in demonyms().items():
        names = last_words(country)
        out.setdefault(adj, set()).update(names)
        for n in names:
            out.setdefault(n, set()).add(adj)
    return {k: tuple(sorted(v)) for k, v in out.items()}


ALIASES = {stem(k): tuple(stem(v) for v in vs) for k, vs in _demonym_aliases().items()}
for _k, _vs in _ALIASES.items():  # the hand-written ones add to the demonyms' own
    ALIASES[stem(_k)] = tuple(dict.fromkeys(ALIASES.get(stem(_k), ()) + tuple(stem(v) for v in _vs)))
# Words the question's type already accounts for ("what does X stand for", "his position").
TYPE_WORDS = {
    "expansion": frozenset(tokens("stand mean meaning abbreviation acronym full name form")),
    "person": frozenset(tokens("position title role job name person official")),
    "date": frozenset(tokens("date day year month time held take place happen")),
    "place": frozenset(tokens("place city country venue location town held hold take host located")),
    "count": frozenset(tokens("number")),
}


def count_noun(question: str) -> str | None:
    """The noun a "how many" question counts, stemmed: the word "many" / "much" qualifies in the
    question's parse, or the object of "number of". "How many senior officials ..." ->
    "official"; "How much extra funding ..." -> "fund"; "How many EU member states ..." ->
    "state"; None when nothing is counted by name ("How much had Malta pledged?")."""
    doc = parse_question(question)
    for t in doc:
        if t.lower_ in ("many", "much") and t.i > 0 and doc[t.i - 1].lower_ == "how":
            noun = t.head
        elif t.lower_ == "number" and not any(c.dep_ == "compound" for c in t.children):
            noun = next((o for p in t.children if p.dep_ == "prep" and p.lower_ == "of"
                         for o in p.children if o.dep_ == "pobj"), None)
        else:
            continue
        if noun is not None and noun is not t and noun.pos_ in ("NOUN", "PROPN"):
            return stem(fold(noun.text))
        return None
    return None


def strict_terms(question: str) -> set[str]:
    """Tokens that must appear in the evidence: numbers, acronyms, capitalised names
    (not the first word), as folded tokens."""
    out: set[str] = set()
    for i, m in enumerate(re.finditer(r"[\w’'-]+", question)):
        w = m.group(0)
        if re.fullmatch(r"\d+(st|nd|rd|th)?", w) or re.fullmatch(r"[A-Z]{2,6}s?", w) or (i > 0 and w[:1].isupper()):
            tok = tokens(w)
            if tok and tok[0] not in STOPWORDS and tok[0] not in GENERIC:
                out.add(tok[0])
    return out


_PROCESS = re.compile(r"\b((?:[A-Z][\w’'-]+\s+){1,3}(?:Process|Dialogue))\b")


def processes_named(text: str) -> set[str]:
    """Dialogues a text names: a registered consultative process by the registry's name, by any
    of its names ("the Puebla Process" -> "Regional Conference on Migration"), and any "X
    Process" or "X Dialogue" folded to its last two words ("the Vistula Process" -> "vistula
    process"). A report about any one of them is about the dialogue asked for."""
    out = {d for d in dialogues_in(text or "") if is_dialogue(d)}
    for m in _PROCESS.finditer(text or ""):
        words = m.group(1).split()
        while words and words[0].lower() in ("the", "what", "which", "who", "when", "where", "how"):
            words = words[1:]
        if len(words) >= 2:
            out.add(fold(" ".join(words[-2:])))
    return out


def verb_tokens(verb: str) -> tuple[str, ...]:
    """The tokens a quote may state a question's verb by (`nlp.question_verbs`' lemma, with
    the particle of a phrasal verb): its own and its irregular forms'. "give" -> ("give",
    "gave", "given"); "hand over" -> ("hand over",)."""
    head, _, particle = verb.partition(" ")
    out = []
    for form in (head, *irregular_forms().get(head, ())):
        tok = tokens(f"{form} {particle}" if particle else form)
        if tok:
            out.append(" ".join(tok))
    return tuple(dict.fromkeys(out))


def _covered(t: str, bag: set[str]) -> bool:
    if " " in t:  # a phrasal verb: "hand over" as its words or as their noun ("handover")
        return "".join(t.split()) in bag or all(_covered(p, bag) for p in t.split())
    if t in bag or any(a in bag for a in ALIASES.get(t, ())):
        return True
    # Morphology the light stemmer misses: "geographic" ~ "geographically", "propos" ~ "proposal".
    return len(t) >= 5 and any(len(b) >= 5 and (b.startswith(t) or t.startswith(b)) for b in bag)


def _coverage(terms: dict[str, float], bag: set[str]) -> float:
    total = sum(terms.values())
    if total <= 0:
        return 1.0
    return sum(w for t, w in terms.items() if _covered(t, bag)) / total


_ORDINAL_WORDS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(), 1)}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
_ORDINAL_WORDS.update({"thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60})
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


def _roman(s: str) -> int | None:
    total, prev = 0, 0
    for c in reversed(s):
        v = _ROMAN[c]
        total, prev = (total - v, prev) if v < prev else (total + v, v)
    return total if 1 < total < 90 else None


def ordinals(text: str) -> set[int]:
    """The ordinal numbers a text gives a meeting ("33rd", "eighth", "twenty-first", "XXII CSM"),
    as integers; "first" is left out (mostly "first ever", "first time", not a meeting's number)."""
    out: set[int] = set()
    for m in re.finditer(r"\b(\d{1,3})(?:st|nd|rd|th)\b", text, re.I):
        out.add(int(m.group(1)))
    for m in re.finditer(r"\b(?:(twenty|thirty|forty|fifty|sixty)[- ])?([a-z]+)\b", fold(text)):
        n = _ORDINAL_WORDS.get(m.group(2))
        if n is not None and (m.group(1) is None or n < 10):
            out.add(n + (_TENS[m.group(1)] if m.group(1) else 0))
    for m in re.finditer(r"\b([IVXL]{1,7})\s+(?=[A-Z][\w’'-]+)", text):
        n = _roman(m.group(1))
        if n:
            out.add(n)
    out.discard(1)
    return out


def ordinal_match(asked: set[int], text: str) -> float:
    """1 when `text` gives one of the ordinals a question asks about, -1 when it gives only
    others (the 6th meeting for a question about the 8th), 0 when it gives none or none is asked."""
    if not asked:
        return 0.0
    have = ordinals(text)
    if have & asked:
        return 1.0
    return -1.0 if have else 0.0
