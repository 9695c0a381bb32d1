"""Stage 5, evidence: does the chosen evidence state what the question asks about? The question's
names, numbers and acronyms, its focus noun, enough of its words, the kind of answer asked for;
`answer_features` turns these checks into the answer model's inputs, with the reason in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .answer_types import WANTED, asks_who
from .candidates import Unit, unit_before
from .dialogues import canonical_dialogue, dialogues_in, is_dialogue, is_framework
from .features import KINDS
from .index import ChunkIndex, acronyms, header_text
from .qtype import CATEGORY, REQUIRED_CUE, asked_noun, cue, question_focus, question_predicate
from .retrieval import QueryPlan
from .terms import (
    _coverage,
    _covered,
    ordinal_match,
    ordinals,
    processes_named,
    strict_terms,
)
from .textnorm import STOPWORDS, as_written, fold, tokens

YEAR = re.compile(r"\b(?:19|20)\d\d\b")
COUNT_CUE = 0.3  # qtype.cue of a "how many" quote: any number outside a date
MIN_COVERAGE = 0.50       # share of the question's weighted terms the evidence must hold


MIN_DENSE = 0.20          # the chosen unit's similarity to the question


# Question types whose answer is one fact about something named: the name must be in the very
# sentence quoted ("When was Lebanon admitted?" is not answered by a date beside a list naming
# Lebanon), or in its document's title, date and place.
UNIT_LEVEL = frozenset(("person", "date", "count", "place"))


KIND_WORDS = {"count": "number", "date": "date", "place": "place", "person": "person",
              "expansion": "full name", "list": "items", "definition": "description"}


def passage_bag(index: ChunkIndex, row_i: int) -> set[str]:
    """What a passage states, for names and numbers: its words, its acronyms and its document's
    title, date and place (so "SOM" and "2022" match the 32nd SOM report's passages)."""
    row = index.rows[row_i]
    return set(row.tokens) | set(row.head_tokens)


def evidence_match(plan: QueryPlan, rows: set[int], index: ChunkIndex,
                   units: Sequence[Unit] = (), kind: str = "other") -> tuple[float, list[str]]:
    """Share of the question's specific terms the evidence states, and the missing ones.

    The question's own names and numbers must be in the passages or the chunks beside them (or
    their document's title, date and place) - for "who" questions in the quoted units
    themselves (likewise when, where and how many: see UNIT_LEVEL), so "the Director General of
    Frontex" is not answered by a Director General elsewhere; a follow-up's inherited ones (from the earlier question) in the documents."""
    own = strict_terms(plan.question)
    inherited = strict_terms(plan.previous) - own if plan.follow_up and plan.previous else set()
    # A dialogue named in the question must be the one the report belongs to: "the Prague
    # Process" is not matched by a Vistula Process meeting held in Prague.
    named = processes_named(plan.question) or (processes_named(plan.previous) if plan.follow_up else set())
    # (A report about a framework, such as the Global Compact, may be a dialogue's review of it.)
    wrong = sorted({str(index.rows[r].meta.get("process") or "") for r in rows
                    if named and index.rows[r].meta.get("process")
                    and not is_framework(str(index.rows[r].meta["process"]))
                    and not names_process(index, index.rows[r].source, named)})
    if wrong:
        shown = sorted(n for n in named if is_dialogue(n)) or sorted(named)
        return 0.0, [f"{' or '.join(shown)} (these passages are about the {', '.join(wrong)})"]
    if not own and not inherited:
        return 1.0, []
    bag: set[str] = set()
    docs: set[str] = set()
    for r in rows:
        docs |= index.doc_bag(index.rows[r].source)
        bag |= set(index.rows[r].head_tokens)
        if kind in UNIT_LEVEL and units:
            continue
        for j in (r - 1, r, r + 1):
            if j == r or index.neighbor(r, j - r) is not None:
                bag |= passage_bag(index, j)
    for u in units if kind in UNIT_LEVEL else ():
        bag |= set(tokens(u.text)) | set(acronyms(u.text))
        before = unit_before(index, u)  # the sentence or heading before may name its subject
        bag |= set(tokens(before)) | set(acronyms(before))
    if plan.follow_up:
        bag |= set(tokens(plan.question))
    texts = [u.text for u in units] if kind in UNIT_LEVEL and units else [index.rows[r].text for r in rows]
    bag |= abbreviated(plan.question, " ".join(texts))
    missing = [t for t in own if not _covered(t, bag)] + [t for t in inherited if not _covered(t, docs)]
    return 1.0 - len(missing) / (len(own) + len(inherited)), sorted(missing)


_CAPITALISED = re.compile(r"[A-Z][\w’'-]*")


def abbreviated(question: str, text: str) -> set[str]:
    """The question's words that `text` writes as an acronym: "the United States" asked,
    "The US withdrew" written -> {"unit", "state"} (as tokens)."""
    written = {a.lower() for a in re.findall(r"\b[A-Z]{2,6}\b", text)}
    if not written:
        return set()
    out: set[str] = set()
    for run in re.finditer(r"[A-Z][\w’'-]*(?:\s+(?:(?:of|the|and|for|on|in|de)\s+)?[A-Z][\w’'-]*)+", question):
        words = _CAPITALISED.findall(run.group(0))
        for i in range(len(words)):
            for j in range(i + 2, min(len(words), i + 6) + 1):
                if "".join(w[0] for w in words[i:j]).lower() in written:
                    out |= {t for w in words[i:j] for t in tokens(w)}
    return out


LEAD_CHARS = 600  # a report's opening: its title and first paragraph or two


def opening(index: ChunkIndex, source: str) -> tuple[str, dict, list[str]]:
    """A report's opening text, its metadata and its header's tokens (from its first chunk)."""
    rng = index.doc_range(source)
    if not rng:
        return "", {}, []
    first = index.rows[rng[0]]
    return first.text[:LEAD_CHARS], first.meta, first.head_tokens


def lead_bag(index: ChunkIndex, source: str) -> set[str]:
    """The words and acronyms of a report's opening and header."""
    text, _, head = opening(index, source)
    return set(tokens(text)) | acronyms(text) | set(head)


def _missing_from_lead(missing: list[str], index: ChunkIndex, cand: Unit) -> float:
    lead = lead_bag(index, index.rows[cand.row].source)
    return sum(not _covered(t, lead) for t in missing) / len(missing)


def names_process(index: ChunkIndex, source: str, named: set[str]) -> bool:
    """Whether a report is about one of the dialogues `named` (as `processes_named` gives them:
    a registered dialogue's name, else e.g. "vistula process"): its process is it, or its opening
    names it ("The Regional Conference on Migration (RCM) or the Puebla Process was established
    ..."), by any of its names. A name only mentioned further down is another dialogue's."""
    text, meta, _ = opening(index, source)
    process = str(meta.get("process") or "")
    known = {canonical_dialogue(process), *dialogues_in(process), *dialogues_in(text)}
    lead = " ".join(fold(text).split())
    return any(n in known or n in fold(process) or n in lead for n in named)


def answer_features(plan: QueryPlan, chosen: list[Unit], cand: Unit, ranked: list[Unit],
                    index: ChunkIndex, terms: dict[str, float], kind: str) -> tuple[dict[str, float], str]:
    """What the answer model weighs: how sure the unit model is (and by how much the
    candidate leads), and whether the chosen evidence states the question's own names, numbers,
    focus noun and the kind of answer asked for. Also the first failed check, in words."""
    rows = {u.row for u in chosen}
    share, missing = evidence_match(plan, rows, index, chosen, kind)
    wrong = 1.0 if missing and "these passages are about" in missing[0] else 0.0
    stats: dict[str, float] = {}
    ok, reason = _supported(plan, chosen, index, terms, kind, stats, missing=missing)
    need = REQUIRED_CUE.get(kind)
    type_cue = max(cue(kind, u.text, plan.question) for u in chosen)
    others = [u.prob for u in ranked if u is not cand]
    ent_match = max((u.f.get("ent_match", 0.0) for u in chosen if u.f), default=0.0)
    other_docs = [u.prob for u in ranked if index.rows[u.row].source != index.rows[cand.row].source]
    f = {
        "p_unit": cand.prob,
        "p_gap": cand.prob - (max(others) if others else 0.0),
        "p_doc_gap": cand.prob - (max(other_docs) if other_docs else 0.0),
        "strict_share": share,
        "missing": min(len(missing), 3) / 3.0,
        # News reports state the event (who met, when, where) in their opening: the names a
        # quoted sentence leaves out may be there, which differs from a report never naming them.
        "missing_lead": _missing_from_lead(missing, index, cand) if missing and not wrong else 0.0,
        "wrong_process": wrong,
        "supported": 1.0 if ok else 0.0,
        "coverage_q": stats.get("coverage", 0.0),
        "focus_missing": stats.get("focus_missing", 0.0),
        # Typed questions (who/where/when/how many) need an entity of the kind asked for that the
        # question does not name; the others the regex cue (an acronym's expansion).
        # (How many: a number that is not part of a date, "8 - 10 February" counts nothing.)
        "type_ok": ((ent_match if kind != "count" or type_cue >= COUNT_CUE else 0.0)
                    if kind in WANTED else 1.0 if need is None or type_cue >= need else 0.0),
        "type_cue": type_cue,
        "ent_match": ent_match,
        "dense": cand.dense,
        "doc": cand.f.get("doc", 0.0),
        "context": cand.f.get("context", 0.0),
        "follow_up": 1.0 if plan.follow_up else 0.0,
        "verb": max(u.f.get("verb", 0.0) for u in chosen if u.f) if any(u.f for u in chosen) else 0.0,
        "has_verb": cand.f.get("has_verb", 0.0),
        "local": cand.f.get("local", 0.0),
        "no_strict": 0.0 if strict_terms(plan.question) else 1.0,
    }
    f.update(constraint_features(plan, chosen, index, kind))
    # For who/when/where/how many the quoted unit must carry the question's own predicate
    # ("chaired", "signed") and an entity of the kind asked for: a date beside other words is
    # usually another event's. (Interactions: a linear model weighs them alike for every kind.)
    typed = kind in WANTED
    f["typed_no_verb"] = 1.0 if typed and f["has_verb"] and not f["verb"] else 0.0
    f["typed_no_entity"] = 1.0 if typed and not ent_match else 0.0
    f["typed_no_predicate"] = 1.0 if typed and not f["predicate_cited"] else 0.0
    core = max((u.f.get("ent_core", 0.0) for u in chosen if u.f), default=0.0)
    f["who_state_only"] = 1.0 if kind == "person" and asks_who(plan.question) and not core else 0.0
    for k in KINDS:
        f[f"kind_{k}"] = 1.0 if kind == k else 0.0
    if not reason and not f["type_ok"]:
        reason = f"the passages found do not state the {KIND_WORDS.get(kind, kind)} asked for"
    if not reason and missing:
        reason = "the passages found do not mention " + _shown(missing, plan)
    return f, reason


def states_nothing_asked(af: dict[str, float]) -> bool:
    """Whether the quote states nothing a who/when/where/how-many question asks for: not what
    the question says was done ("opened", "adopted", "Director"), and either no entity of the
    kind asked for that the question does not name or not all the question's names and numbers
    (then its entities belong to another event: "Who was Director of the Centre in Skopje?" is
    not answered by whoever chaired a forum there). For a "who" question the entity must be a
    person: a state or body may hold the role asked about ("Who chaired ...?"), but a quote
    naming only organisations says so only by saying it chaired. The answer model weighs each
    against a confident ranking; together they are a categorical miss, like evidence about
    another dialogue. (For other questions the noun asked about is no such test: "What is her
    role?" is answered by "Director at ICMPD", which never says "role".)"""
    typed = any(af.get(f"kind_{k}") for k in WANTED)
    return typed and not af.get("predicate_cited") and (
        not af.get("type_ok") or bool(af.get("who_state_only")) or bool(af.get("missing")))


def support(plan: QueryPlan, chosen: list[Unit], index: ChunkIndex, terms: dict[str, float],
            kind: str, cand: Unit) -> tuple[bool, str]:
    """Does this evidence answer the question? (specific terms, focus noun, coverage, type)."""
    answered, reason = _supported(plan, chosen, index, terms, kind)
    need = REQUIRED_CUE.get(kind)
    if answered and need and max(cue(kind, u.text, plan.question) for u in chosen) < need:
        return False, f"the passages found do not state the {kind} asked for"
    if answered and cand.dense < MIN_DENSE and cand.coverage < 0.5:
        return False, f"closest passage is only {cand.dense:.2f} similar to the question"
    return answered, reason


def _supported(plan: QueryPlan, chosen: list[Unit], index: ChunkIndex, terms: dict[str, float],
               kind: str = "other", stats: dict[str, float] | None = None,
               missing: list[str] | None = None) -> tuple[bool, str]:
    """Whether the evidence holds the question's names and numbers, its focus noun and enough
    of its words; `stats` (when given) receives the coverage and the focus check as numbers.
    `missing`: `evidence_match`'s missing terms when the caller has them already."""
    stats = {} if stats is None else stats
    if not chosen:
        return False, "no evidence"
    if missing is None:
        _, missing = evidence_match(plan, {u.row for u in chosen}, index, chosen, kind)
    if missing:
        stats.update(_coverage_stats(plan, chosen, index, terms, kind))
        return False, "the passages found do not mention " + _shown(missing, plan)
    bag: set[str] = set()
    for u in chosen:
        bag |= set(tokens(u.text))
        row = index.rows[u.row]
        bag |= set(tokens(header_text(row.meta)))
        bag |= set(row.tokens) if u.kind in ("item", "row") else set()
    bag |= strict_terms(plan.question)  # checked above, at passage level
    stats.update(_coverage_stats(plan, chosen, index, terms, kind, bag))
    if plan.follow_up:
        context = {t for t in tokens(plan.context) if t not in STOPWORDS}
        if context and _coverage({t: 1.0 for t in context}, bag) >= 0.5:
            return True, ""  # the follow-up stays on the passage the conversation is about
        bag |= context
    focus = asked_noun(plan.question, kind)
    if focus and not _covered(focus, bag):
        return False, f"the documents found say nothing about {_shown([focus], plan)}"
    own = _own_terms(plan, index, terms)
    cov = _coverage(own, bag) if own else 1.0
    if cov < MIN_COVERAGE:
        absent = [t for t in own if not _covered(t, bag)]
        return False, f"the closest passages cover only {cov:.0%} of the question ({_shown(absent[:4], plan)} missing)"
    return True, ""


def _shown(terms: Sequence[str], plan: QueryPlan) -> str:
    """The question's words behind these terms, as the asker wrote them (a stem such as
    'europ' means nothing to a reader), in the earlier question for a follow-up's inherited ones."""
    out = []
    for t in terms:
        word = as_written(t, plan.question)
        if word == t and plan.previous:
            word = as_written(t, plan.previous)
        out.append(word)
    return ", ".join(out)


def _own_terms(plan: QueryPlan, index: ChunkIndex, terms: dict[str, float]) -> dict[str, float]:
    """The question's own weighted words; words the corpus never uses are often the asker's
    paraphrase: they count half."""
    qt = set(tokens(plan.question))
    return {t: w * (0.5 if index.bm25.doc_freq(t) == 0 else 1.0) for t, w in terms.items()
            if w > 0 and t in qt and t not in CATEGORY}


def _coverage_stats(plan: QueryPlan, chosen: list[Unit], index: ChunkIndex,
                    terms: dict[str, float], kind: str, bag: set[str] | None = None) -> dict[str, float]:
    if bag is None:
        bag = set()
        for u in chosen:
            bag |= set(tokens(u.text)) | set(tokens(header_text(index.rows[u.row].meta)))
    own = _own_terms(plan, index, terms)
    focus = asked_noun(plan.question, kind)
    return {"coverage": _coverage(own, bag) if own else 1.0,
            "focus_missing": 1.0 if focus and not _covered(focus, bag) else 0.0}


def constraint_features(plan: QueryPlan, chosen: Sequence[Unit], index: ChunkIndex,
                        kind: str) -> dict[str, float]:
    """Whether the quoted units themselves (with their report's title, date and place) satisfy
    the question's constraints: its names, numbers and years (`strict_cited`), the meeting's
    ordinal (`ord_ok`; `ord_clash` when they give another one), a year the report's date
    contradicts (`year_clash`), and the noun asked about (`focus_cited`)."""
    text = " ".join(u.text for u in chosen)
    metas = [index.rows[r].meta for r in dict.fromkeys(u.row for u in chosen)]
    titles = " ".join(str(m.get("title") or "") for m in metas)
    head = set()
    for m in metas:
        head |= set(tokens(header_text(m))) | acronyms(header_text(m))
    question = plan.question + (" " + plan.previous if plan.follow_up and plan.previous else "")
    asked = ordinals(question)
    om = ordinal_match(asked, text + " " + titles)
    if om < 0 and not ordinals(text) and any(
            ordinal_match(asked, index.rows[i].text) > 0
            for src in {str(m.get("source") or "") for m in metas} for i in index.doc_range(src)):
        # Only the title gives another meeting's number, and the report itself names the one
        # asked about ("Nepal to host fifth Colombo Process meet" over "the Fifth Senior
        # Officials' Meeting and Sixth Ministerial Consultation"): it reports both.
        om = 0.0
    strict = strict_terms(question)
    bag = set(tokens(text)) | acronyms(text) | head | abbreviated(question, text)
    years = set(YEAR.findall(question))
    have_years = set(YEAR.findall(text + " " + titles))
    doc_years = {str(m.get("date") or "")[:4] for m in metas} - {""}
    focus = question_focus(plan.question, kind)
    predicate = question_predicate(plan.question)
    words = set(tokens(text))
    return {
        # what the question says was done ("opened") or held ("Director"), in the quote itself
        "predicate_cited": 1.0 if not predicate or any(_covered(v, words) for v in predicate) else 0.0,
        "strict_cited": (sum(_covered(t, bag) for t in strict) / len(strict)) if strict else 1.0,
        "ord_ok": 1.0 if not asked or om > 0 else 0.0,
        "ord_clash": 1.0 if om < 0 else 0.0,
        "year_clash": 1.0 if years and not years & (have_years | doc_years) and doc_years else 0.0,
        # ... and the whole report never names it either ("the 2019 meeting in Ankara" against
        # the report of the 2022 one): the quote is about another year's event. (A report with
        # no year at all, a news page saying "on Wednesday", contradicts no year.)
        "year_absent": 1.0 if years and doc_years and not years & doc_years and not any(
            index.bm25.doc_freq_in(year, rng.start, rng.stop) for year in years
            for rng in (index.doc_range(str(m.get("source") or "")) for m in metas)) else 0.0,
        "focus_cited": 1.0 if not focus or _covered(focus, words) else 0.0,
    }
