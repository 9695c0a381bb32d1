"""What kind of answer a question wants, and whether a piece of text looks like one.

"how many" wants a number next to the noun asked about, "when" a date, "who" a person with a
title, "where" a place, "what does X stand for" an expansion; "which NOUN" what its noun says
(plural: a list; a title the corpus gives people: a person; "which country": a state in a role;
otherwise one thing).

    >>> kind_of("How many participants attended?")
    'count'
"""

from __future__ import annotations

import re
from functools import lru_cache

from .index import acronyms
from .nlp import parse_question, question_verbs
from .terms import ALIASES, TYPE_WORDS, count_noun, verb_tokens
from .textnorm import STOPWORDS, fold, stem, tokens

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE = re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}|(?:19|20)\d\d|{_MONTH}\b)", re.I)
_PART_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b{_MONTH}\.?\s+(?:\d{{1,2}}|(?:19|20)\d\d)\b", re.I)
_FULL_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTH}\w*,?\s+(?:19|20)\d\d|{_MONTH}\w*\s+\d{{1,2}},?\s+(?:19|20)\d\d|\b(?:19|20)\d\d-\d\d-\d\d\b", re.I)
_NUMBER = re.compile(r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|forty|fifty|hundred|dozens?)\b", re.I)
_HONORIFIC = re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Prof|H\.E)\.?\s+[A-ZÀ-Ž]")
_TITLE = re.compile(r"\b(?:Minister|Director|Head|President|Deputy|Chair(?:man|woman|person)?|Ambassador|"
                    r"Secretary|Commissioner|Co-ordinator|Coordinator|Officer)\b")
_PROPER = re.compile(r"(?<![.:!?]\s)(?<!^)\b[A-ZÀ-Ž][a-zà-ž’'-]{2,}")
_STATE_ROLE = re.compile(r"\b(?:co-?)?(?:chair|host|lead|presid|member|particip|attend|join|"
                         r"organi[sz]|sign)\w*", re.I)
_CAPWORDS = re.compile(r"\b[A-ZÀ-Ž][\w’'-]+(?:\s+[A-ZÀ-Ž][\w’'-]+)+")
_PLACE = re.compile(r"\b(?:in|at|to|Location:)\s+[A-ZÀ-Ž][\w’'-]+")


# Nouns for the states that hold a dialogue's roles: "which country chaired" wants a state.
_STATE_NOUNS = frozenset(tokens("country state government nation"))
# The nouns that ask for a date or a place: "Which day ...?", "What were the new dates of ...?",
# "Which venue ...?" (the question patterns of `kind_of` and the noun its parse asks for).
_DATE_NOUNS = ("date", "day", "year", "month")
_PLACE_NOUNS = ("city", "place", "town", "venue", "location")
_KIND_NOUNS = {"date": frozenset(tokens(" ".join(_DATE_NOUNS))),
               "place": frozenset(tokens(" ".join(_PLACE_NOUNS)))}


_NOMINAL = ("ADJ", "NOUN", "PROPN")


@lru_cache(maxsize=512)
def wh_head(question: str) -> tuple[str, bool, str] | None:
    """The noun a which/what question asks for, from spaCy's parse: (its token, whether it is
    plural, the preposition before "which" or ""): "In which cities ..." -> ("city", True, "in")."""
    doc = parse_question(question)
    for t in doc:
        noun = None
        if t.lower_ in ("which", "what") and t.dep_ == "det" and t.head.pos_ in ("NOUN", "PROPN"):
            noun = t.head
        elif t.lower_ in ("which", "what") and t.i + 1 < len(doc) and doc[t.i + 1].pos_ in _NOMINAL:
            # The parser missed the determiner ("In which Colombian city was ...?" parsed
            # "which" as a pronoun): the noun ending the words that follow it is the one asked for.
            run = list(doc[t.i + 1 : t.i + 5])
            run = run[:next((k for k, x in enumerate(run) if x.pos_ not in _NOMINAL), len(run))]
            if not run or run[-1].pos_ != "NOUN":
                return None
            noun = run[-1]
        if noun is not None:
            tok = tokens(noun.lemma_)
            if not tok:
                return None
            prep = doc[t.i - 1].lower_ if t.i > 0 and doc[t.i - 1].pos_ == "ADP" else ""
            return tok[0], noun.tag_ in ("NNS", "NNPS"), prep
        if t.i > 3:
            break
    return None


def state_role(question: str) -> bool:
    """Whether the "who" asked for may be a state: "which country ...", or a question whose own
    verb is a role states hold in a dialogue ("Who chaired the SOM?", "Who hosted it?"). Not a
    role named elsewhere in the question ("Who opened the conference under the Presidency?")."""
    head = wh_head(question)
    if head is not None and head[0] in _STATE_NOUNS:
        return True
    return any(_STATE_ROLE.match(v) for v in question_verbs(question) + _copula_nouns(question))


def question_predicate(question: str) -> tuple[str, ...]:
    """What the question says was done or held, as tokens: its main content verb and the verb
    that one governs ("Who OPENED the conference?" -> ("open",); "were they supposed to FOLLOW"
    -> ("suppos", "follow")), else the noun "who is ..." asks about ("Who was DIRECTOR of the
    centre?" -> ("director",)). A quote stating either states the predicate."""
    doc = parse_question(question)
    governed = tuple(t.lemma_.lower() for t in doc if t.dep_ == "xcomp" and t.pos_ == "VERB"
                     and t.head.dep_ == "ROOT")
    for word in question_verbs(question) + _copula_nouns(question):
        tok = tokens(word)
        if tok and tok[0] not in STOPWORDS:
            more = [f for v in governed for f in verb_tokens(v) if f not in STOPWORDS]
            return tuple(dict.fromkeys([*verb_tokens(word), *more]))
    return ()


@lru_cache(maxsize=512)
def _copula_nouns(question: str) -> tuple[str, ...]:
    """What "who is/are ..." asks someone to be: "Who are the Reference Group Chairs?" ->
    ("chair",)."""
    doc = parse_question(question)
    return tuple(t.lemma_.lower() for t in doc if t.pos_ in ("NOUN", "PROPN")
                 and t.dep_ in ("attr", "nsubj") and t.head.lemma_ == "be")


def kind_of(question: str, person_nouns: frozenset[str] = frozenset()) -> str:
    """The kind of answer a question wants. `person_nouns`: the nouns the corpus uses as
    people's titles (`title_nouns.person_nouns`), so "which minister" wants a person."""
    q = fold(question).strip()
    if re.search(r"\bstand(s)? for\b|\babbreviat|\bacronym|\bwhat does \w+ mean\b|\bfull (name|form)\b", q):
        return "expansion"
    if re.search(r"\bhow many\b|\bnumber of\b|\bhow much\b", q):
        return "count"
    if re.search(rf"^when\b|\b(what|which)( exact| precise)? ({'|'.join(_DATE_NOUNS)})\b|\bon what date\b"
                 r"|\b(since|until) when\b|\bwhen (was|were|did|is|are|will|would|has|have|had|do|does)\b", q):
        return "date"
    if re.search(rf"^where\b|\bwhich ({'|'.join(_PLACE_NOUNS)})\b|\bwhere (was|were|did|is|will)\b"
                 r"|\bin what (city|country|place)\b|\blocation\b", q):
        return "place"
    if re.search(r"^(who|whom)\b|\bwho (was|were|is|opened|chaired|closed|led|hosted)\b|\bwhich (person|official|minister)\b|\bwhat is (his|her) (name|position|title|role|job)\b|\bposition\b|\btitle of\b", q):
        return "person"
    noun = _what_noun(question)  # "What were the new DATES of ...", "What was the VENUE ..."
    asked = tokens(noun.lemma_)[:1] if noun is not None else []
    for kind, nouns in _KIND_NOUNS.items():
        if asked and asked[0] in nouns:
            return kind
    head = wh_head(question) if re.match(r"(\w+ )?(which|what)\b", q) else None
    if head is not None:
        noun, plural, prep = head
        if prep in ("in", "at") and noun in TYPE_WORDS["place"]:
            return "place"
        if not plural and (noun in person_nouns or noun in TYPE_WORDS["person"] or noun in _STATE_NOUNS):
            return "person"
        if not plural:  # "which report", "which declaration": one thing, not a list
            return "other"
    if re.search(r"^(which|list|name)\b|\bwhat (were|are) the\b|\bwhich \w+ (were|are|was|did)\b|\bwhat \w+ (were|are)\b", q) \
            or re.search(r"^(what|which) (\w+ )?\w{3,}[^s'u]s\b", q):
        return "list"
    if re.fullmatch(r"(what|who) (is|are|was|were) (the )?[\w’' -]+\??", q):
        return "definition"
    return "other"


def cue(kind: str, text: str, question: str = "") -> float:
    """0..1: how much `text` looks like the kind of answer the question wants."""
    if kind == "count":
        noun = count_noun(question)
        # Not years, not a point's number ("10. On the ..."), not a day of a date.
        body = re.sub(r"^\s*\d+\.\s", "", text)
        body = _DATE.sub(" ", body)
        nums = list(_NUMBER.finditer(body))
        if not nums:
            return 0.0
        if noun:
            wanted = {noun, *ALIASES.get(noun, ())}
            folded = fold(body)
            for m in nums:
                after = re.findall(r"[a-z]+", folded[m.end(): m.end() + 60])[:4]
                if any(stem(w) in wanted for w in after):
                    return 1.0
            return 0.3
        return 0.5
    if kind == "date":
        if _FULL_DATE.search(text):
            return 1.0
        # A month with its day or year ("April 2009", "15 December"); not "Dec" in "Declaration"
        # nor the verb "may".
        return 0.8 if _PART_DATE.search(text) else 0.5 if _DATE.search(text) else 0.0
    if kind == "person":
        if _HONORIFIC.search(text):
            return 1.0
        if _TITLE.search(text) and _CAPWORDS.search(text):
            return 0.7
        from .gazetteer import countries_in

        # In intergovernmental dialogues a state is often the "who" of a role: chairs, hosts,
        # members, participants.
        if state_role(question) and countries_in(text) - countries_in(question):
            return 0.7
        return 0.4 if _PROPER.search(text) else 0.0
    if kind == "place":
        if _PLACE.search(text):
            return 1.0
        return 0.7 if " | " in text and _PROPER.search(text.split(" | ")[-1]) else 0.0
    if kind == "expansion":
        for a in re.findall(r"\b[A-Z]{2,}\b", question):
            if re.search(rf"\(\s*{re.escape(a)}\s*\)", text) or re.search(rf"\b{re.escape(a)}\b\s*\(", text):
                return 1.0
            if a.lower() in acronyms(text):
                return 0.8
        return 0.0
    if kind == "list":
        if re.search(r"\bcountr(y|ies)\b|\bstates?\b", fold(question)):
            from .gazetteer import countries_in

            named = countries_in(text) - countries_in(question)
            one = not re.search(r"\bcountries\b|\bstates\b", fold(question))  # "which country"
            return 1.0 if len(named) >= (1 if one else 2) else 0.6 if named else 0.0
        asked = {stem(fold(w)) for w in re.findall(r"\w+", question)}
        names = {m.group(0) for m in _PROPER.finditer(text) if stem(fold(m.group(0))) not in asked}
        return 1.0 if len(names) >= 2 else 0.5 if names else 0.0
    return 0.0


# Minimum cue the chosen evidence must reach for a typed question to be answered.
REQUIRED_CUE = {"count": 0.5, "date": 0.5, "place": 0.7, "person": 0.4, "expansion": 0.8}


def normalise_dates(question: str) -> str:
    """Write numeric dates as words so they match the reports: 1/12/2022 -> 1 December 2022."""
    months = ("January February March April May June July August September October November "
              "December").split()

    def repl(m: re.Match) -> str:
        d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
        if not 1 <= mo <= 12 and 1 <= d <= 12:
            d, mo = mo, d
        return f"{d} {months[mo - 1]} {y}" if 1 <= mo <= 12 else m.group(0)

    question = re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", lambda m: f"{m.group(3)}/{m.group(2)}/{m.group(1)}", question)
    question = re.sub(r"\b(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d\d)\b", repl, question)
    # "Dec 2022", "3 Nov" -> the month written out, as the reports write it.
    full = {m[:3].lower(): m for m in months}
    full["sept"] = "September"
    return re.sub(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?(?=\s*(?:\d|$|[,;?!)]))",
                  lambda m: full[m.group(1).lower()], question)


# Phrases a question uses for what the reports say in one word.
_PHRASES = ((r"\btak(?:e|es|ing|en)\s+part\b|\btook\s+part\b", "participate"),)


def normalise_phrases(question: str) -> str:
    """ "take part in" -> "participate in" (the reports' "participating states")."""
    for pattern, repl in _PHRASES:
        question = re.sub(pattern, repl, question, flags=re.I)
    return question


# Nouns that name the kind of answer, not its topic ("which country", "what organisation").
CATEGORY = frozenset(tokens("organisation organization country countries institution project city "
                            "person official body agency ministry state states people thing things "
                            "one ones way"))


@lru_cache(maxsize=512)
def question_focus(question: str, kind: str = "other") -> str | None:
    """The common noun a question asks about, as a token, from spaCy's parse: the noun after
    "which"/"what" ("Which REPORT did ... adopt"), else the question's first common noun ("What
    was the central THEME of ..."). None when that noun only names the kind of answer ("which
    country", "which city") or the question has no common noun ("Who opened the SOM?")."""
    doc = parse_question(question)
    noun = _asked(doc)
    if noun is None:
        noun = next((t for t in doc if t.pos_ == "NOUN"), None)
    return _topic(noun, kind)


@lru_cache(maxsize=512)
def asked_noun(question: str, kind: str = "other") -> str | None:
    """The noun whose statement a quote must hold to answer at all, as a token: what "how many"
    counts ("how many STAFF"), the noun after "which"/"what" ("What BUDGET was agreed"), or the
    one "what is/was the ..." asks about ("What was the central THEME of ..."). Narrower than
    `question_focus`: never just the question's first noun. None for a noun naming a kind of
    answer ("which country", "what is her ROLE": a title states a role without the word), and
    for a question wanting a person, whose noun is the title asked for ("which MINISTER")."""
    if kind == "count":
        noun = count_noun(question)
        return noun if noun and noun not in STOPWORDS and noun not in CATEGORY else None
    if kind == "person":  # "which MINISTER": a title, the kind of answer ("Home Secretary Theresa May")
        return None
    return _topic(_what_noun(question), kind, _ANSWER_KINDS)


def _what_noun(question: str):
    """The noun a what/which question asks for, from its parse: the one "which"/"what"
    determines ("What BUDGET was agreed"), else the subject of "what is/was" with its "of" or
    owner ("What was the central THEME of ...", "the GFMD's main THEME"); None otherwise."""
    doc = parse_question(question)
    if not len(doc) or doc[0].lower_ not in ("what", "which"):
        return None
    noun = _asked(doc)
    if noun is None:
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        if root is not None and root.lemma_ == "be":
            # "the THEME of X", "X's THEME": not "What was the workshop dedicated to?", whose
            # subject is what the question is about, not what it asks for.
            noun = next((c for c in root.children if c.dep_ in ("nsubj", "attr") and c.pos_ == "NOUN"
                         and any(x.dep_ == "poss" or x.dep_ == "prep" and x.lower_ == "of"
                                 for x in c.children)), None)
    return noun


def _asked(doc):
    """The noun "which"/"what" determines, or None."""
    return next((t.head for t in doc if t.lower_ in ("which", "what") and t.dep_ == "det"
                 and t.head.pos_ == "NOUN"), None)


def _topic(noun, kind: str, kinds: frozenset[str] = frozenset()) -> str | None:
    """`noun` as a token, unless it names the kind of answer: a category, a word of this
    kind's (`TYPE_WORDS`), or of any kind's in `kinds`."""
    if noun is None:
        return None
    tok = tokens(noun.lemma_)
    if (not tok or noun.lower_ in STOPWORDS or tok[0] in CATEGORY or tok[0] in TYPE_WORDS.get(kind, ())
            or tok[0] in kinds):
        return None
    return tok[0]


_ANSWER_KINDS = frozenset().union(*TYPE_WORDS.values())
