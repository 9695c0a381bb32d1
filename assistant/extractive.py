"""The default answerer: pick, from the top passages, the units (sentences, list items, table
rows) that answer the question, and decide whether the evidence is strong enough to answer.

A unit is scored on four things: its embedding's similarity to the question (unit vectors come
from the ingest pass, see `assistant.embeddings`), how much of the question's rare vocabulary it
and its document's title/date/place cover (best window, so long sentences are not favoured),
whether it looks like the kind of answer asked for, and its passage's rank. Refusal checks that
the chosen evidence covers the question's specific terms: names, numbers, acronyms and rare words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .index import ChunkIndex, ChunkRow, header_text
from .qtype import cue, kind_of
from .retrieval import Hit, QueryPlan
from .textnorm import STOPWORDS, fold, tokens, words

# Weights and thresholds, calibrated on tests/eval/qa.jsonl with distractors mixed in
# (`dialogue-assistant eval --distractors 300`).
W_DENSE, W_COVER, W_CONTEXT, W_CUE, W_RANK, W_NOVELTY = 0.50, 0.30, 0.10, 0.12, 0.04, 0.8
MIN_COVERAGE = 0.55       # share of the question's weighted terms the evidence must hold
MIN_DENSE = 0.20          # the chosen unit's similarity to the question
WINDOW = 28               # words per window when scoring long units
QUESTION_WORDS = frozenset("who whom what when where which why how many much does did do is are was "
                           "were the a an of in on at for to by".split())
GENERIC = frozenset(tokens("meeting report document documents say mention state said information "
                           "detail details question answer according text passage"))
# Domain spellings and paraphrases a reader treats as the same word (folded, stemmed).
ALIASES: dict[str, tuple[str, ...]] = {
    "turkey": ("turkiy",), "turkiy": ("turkey",), "kyiv": ("kiev",), "kiev": ("kyiv",),
    "czechia": ("czech",), "russia": ("russian",), "uk": ("kingdom",), "eu": ("european",),
    "email": ("mail",), "attend": ("gather", "participant", "particip"), "people": ("participant",),
    "decid": ("decision", "agre", "yes"), "decision": ("decid", "agre", "yes"),
    "chair": ("chairmanship", "chairman"), "chairmanship": ("chair",), "host": ("hosted",),
    "plan": ("work", "planned"), "held": ("hold", "take", "place"), "hold": ("held",),
    "join": ("participant", "inclusion", "becoming", "invite"), "invite": ("join",),
    "propos": ("proposal", "suggest"), "suggest": ("propos",), "expansion": ("expand",),
    "expand": ("expansion",),
    "lead": ("leadership", "led"), "leader": ("lead", "leadership"),
}
# Words the question's type already accounts for ("what does X stand for", "his position").
TYPE_WORDS = {
    "expansion": frozenset(tokens("stand mean meaning abbreviation acronym full name form")),
    "person": frozenset(tokens("position title role job name person official")),
    "date": frozenset(tokens("date day year month time")),
    "place": frozenset(tokens("place city country venue location town")),
    "count": frozenset(tokens("number")),
}


@dataclass
class Unit:
    row: int
    start: int  # document offsets
    end: int
    kind: str
    text: str
    order: int  # position within its chunk
    score: float = 0.0
    dense: float = 0.0
    coverage: float = 0.0
    context: float = 0.0
    cue: float = 0.0
    own_coverage: float = 0.0  # coverage by the unit's own words (an item without its intro)


@dataclass
class Choice:
    """The units to quote (grouped by chunk row, in reading order) and whether to answer."""

    units: list[Unit]
    answered: bool
    confidence: float
    reason: str = ""
    kind: str = "other"
    candidates: list[Unit] = field(default_factory=list)


def question_terms(plan: QueryPlan, index: ChunkIndex, kind: str = "other") -> dict[str, float]:
    """The question's content tokens weighted by IDF (generic words weigh little)."""
    out: dict[str, float] = {}
    skip = TYPE_WORDS.get(kind, frozenset())
    for w in words(plan.question):
        if w in STOPWORDS or w in QUESTION_WORDS:
            continue
        t = tokens(w)[0]
        if t in skip:
            continue
        idf = index.bm25.idf(t)
        out[t] = idf * (0.2 if t in GENERIC else 1.0)
    return out


def focus_term(question: str, kind: str) -> str | None:
    """The noun a question is about: "how many STAFF", "what BUDGET was agreed"."""
    from .qtype import count_noun

    if kind == "count":
        noun = count_noun(question)
        return noun if noun and noun not in STOPWORDS else None
    m = re.match(r"\s*(?:what|which)\s+([a-z]+)\s+(?:was|were|is|are|did|does|do|has|have|will)\b", fold(question))
    if m and m.group(1) not in STOPWORDS and m.group(1) not in QUESTION_WORDS:
        return tokens(m.group(1))[0]
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


def _covered(t: str, bag: set[str]) -> bool:
    if t in bag or any(a in bag for a in ALIASES.get(t, ())):
        return True
    # Morphology the light stemmer misses: "geographic" ~ "geographically", "propos" ~ "proposal".
    return len(t) >= 5 and any(len(b) >= 5 and (b.startswith(t) or t.startswith(b)) for b in bag)


def _coverage(terms: dict[str, float], bag: set[str]) -> float:
    total = sum(terms.values())
    if total <= 0:
        return 1.0
    return sum(w for t, w in terms.items() if _covered(t, bag)) / total


def _window_coverage(terms: dict[str, float], text: str) -> float:
    toks = tokens(text)
    if len(toks) <= WINDOW:
        return _coverage(terms, set(toks))
    return max(_coverage(terms, set(toks[i : i + WINDOW])) for i in range(0, len(toks) - WINDOW // 2, WINDOW // 3))


def unit_text(row: ChunkRow, k: int) -> str:
    s, e, _ = row.units[k]
    return row.text[s - row.start : e - row.start]


def list_intro(index: ChunkIndex, row_i: int, k: int) -> tuple[int, int] | None:
    """(row, unit) of the line that introduces the list item `k` of `row_i`, if any."""
    row = index.rows[row_i]
    j = k
    while j >= 0 and row.units[j][2] == "item":
        j -= 1
    if j >= 0:
        return (row_i, j) if unit_text(row, j).rstrip().endswith(":") else None
    prev = index.neighbor(row_i, -1)  # the list began in the previous chunk
    if prev is None or index.rows[prev].meta.get("section") != row.meta.get("section"):
        return None
    units = index.rows[prev].units
    return list_intro(index, prev, len(units) - 1) if units and units[-1][2] == "item" else (
        (prev, len(units) - 1) if units and unit_text(index.rows[prev], len(units) - 1).rstrip().endswith(":") else None)


def candidate_units(index: ChunkIndex, hits: Sequence[Hit]) -> list[Unit]:
    out = []
    for h in hits:
        row = index.rows[h.row]
        for order, (s, e, kind) in enumerate(row.units):
            text = unit_text(row, order)
            if text.strip():
                out.append(Unit(h.row, s, e, kind, text, order))
    return out


def pool(hits: Sequence[Hit], top: int = 8, each: int = 3) -> list[Hit]:
    """The fused top passages plus each retriever's own top few (fusion can bury a passage
    that only keyword search found)."""
    chosen = list(hits[:top])
    seen = {h.row for h in chosen}
    for attr in ("dense_rank", "keyword_rank"):
        for h in sorted((h for h in hits if getattr(h, attr) is not None), key=lambda h: getattr(h, attr))[:each]:
            if h.row not in seen:
                chosen.append(h)
                seen.add(h.row)
    return chosen


def choose(plan: QueryPlan, hits: Sequence[Hit], index: ChunkIndex, qvec: np.ndarray) -> Choice:
    kind = kind_of(plan.question)
    if not hits:
        return Choice([], False, 0.0, "nothing matched the question", kind)
    passages = pool(hits)
    rank_of = {h.row: r for r, h in enumerate(passages)}
    units = candidate_units(index, passages)
    if not units:
        return Choice([], False, 0.0, "no passage text", kind)
    terms = question_terms(plan, index, kind)
    if plan.follow_up:  # the earlier turn's words count, at a lower weight
        for t in set(tokens(plan.context)):
            if t not in STOPWORDS and t not in terms:
                terms[t] = 0.3 * index.bm25.idf(t)
    headers = {h.row: set(tokens(header_text(index.rows[h.row].meta))) for h in passages}
    vec_rows = {h.row: index.rows[h.row].unit_vecs.astype(np.float32) for h in passages}
    # Terms the document's title/date/place/section already match say which document, not
    # which sentence: a unit is judged on the rest.
    residual = {r: {t: w for t, w in terms.items() if not _covered(t, hd)} for r, hd in headers.items()}
    qtoks = set(tokens(plan.question))
    for u in units:
        vecs = vec_rows[u.row]
        u.dense = float(vecs[u.order] @ qvec) if u.order < len(vecs) else 0.0
        text = u.text
        if u.kind == "item":  # an item is read with the line that introduces its list
            intro = list_intro(index, u.row, u.order)
            if intro:
                text = unit_text(index.rows[intro[0]], intro[1]) + " " + text
        u.coverage = _window_coverage(residual[u.row], text)
        u.own_coverage = _window_coverage(residual[u.row], u.text) if text is not u.text else u.coverage
        u.context = _coverage(terms, set(tokens(text)) | headers[u.row])
        u.cue = cue(kind, u.text, plan.question)
        # A unit that only repeats the question's words (a heading, a menu item) answers nothing.
        own = [t for t in tokens(u.text) if t not in STOPWORDS]
        novelty = sum(t not in qtoks for t in own) / max(len(own), 1)
        u.score = (W_DENSE * u.dense + W_COVER * u.coverage + W_CONTEXT * u.context
                   + W_CUE * u.cue + W_RANK / (1 + rank_of[u.row]) - W_NOVELTY * max(0.0, 0.5 - novelty))
    units.sort(key=lambda u: -u.score)
    best = units[0]
    chosen = _expand(best, units, kind, index)
    answered, reason = _supported(plan, chosen, index, terms, kind)
    if answered and best.dense < MIN_DENSE and best.coverage < 1.0:
        answered, reason = False, f"closest passage is only {best.dense:.2f} similar to the question"
    return Choice(chosen, answered, best.score, reason, kind, units[:10])


def _expand(best: Unit, ranked: list[Unit], kind: str, index: ChunkIndex) -> list[Unit]:
    """A list answer brings its list; a close runner-up that adds missing words joins the best."""
    is_intro = best.kind != "item" and best.text.rstrip().endswith(":")
    if best.kind == "item" or (kind == "list" and is_intro):
        intro = (best.row, best.order) if is_intro else list_intro(index, best.row, best.order)
        if intro and (is_intro or kind == "list" and _intro_answers(best, intro, index)):
            return _gather_list(index, intro)
        if intro:
            return [_make_unit(index, *intro, best.score), best]
        return [best]
    chosen = [best]
    for second in ranked[1:3]:
        if (second.row == best.row and abs(second.order - best.order) == 1
                and second.score >= 0.93 * best.score and second.coverage > best.coverage + 0.2):
            chosen.append(second)
            break
    return sorted(chosen, key=lambda u: (u.row, u.start))


def _intro_answers(best: Unit, intro: tuple[int, int], index: ChunkIndex) -> bool:
    """The question is about the whole list when the intro line, not the item, carries it."""
    return best.coverage - best.own_coverage >= best.own_coverage


def _make_unit(index: ChunkIndex, row_i: int, k: int, score: float) -> Unit:
    s, e, kd = index.rows[row_i].units[k]
    return Unit(row_i, s, e, kd, unit_text(index.rows[row_i], k), k, score)


def _gather_list(index: ChunkIndex, intro: tuple[int, int], limit: int = 40) -> list[Unit]:
    """The intro line and every item after it, following the list into the next chunk."""
    row_i, k = intro
    out = [_make_unit(index, row_i, k, 0.0)]
    k += 1
    while len(out) < limit:
        row = index.rows[row_i]
        if k >= len(row.units):
            nxt = index.neighbor(row_i, 1)
            if nxt is None or index.rows[nxt].meta.get("section") != row.meta.get("section"):
                break
            row_i, k = nxt, 0
            continue
        if row.units[k][2] != "item":
            break
        out.append(_make_unit(index, row_i, k, 0.0))
        k += 1
    return out


def _supported(plan: QueryPlan, chosen: list[Unit], index: ChunkIndex, terms: dict[str, float],
               kind: str = "other") -> tuple[bool, str]:
    if not chosen:
        return False, "no evidence"
    bag: set[str] = set()
    for u in chosen:
        bag |= set(tokens(u.text))
        row = index.rows[u.row]
        bag |= set(tokens(header_text(row.meta)))
        bag |= set(row.tokens) if u.kind in ("item", "row") else set()
    if plan.follow_up:
        bag |= set(tokens(plan.context))
    missing = [t for t in strict_terms(plan.question) if not _covered(t, bag)]
    if missing:
        return False, "the documents found do not mention " + ", ".join(sorted(missing))
    focus = focus_term(plan.question, kind)
    if focus and not _covered(focus, bag):
        return False, f"the documents found say nothing about {focus}"
    own = {t: w for t, w in terms.items() if w > 0 and t in set(tokens(plan.question))}
    cov = _coverage(own, bag) if own else 1.0
    if cov < MIN_COVERAGE:
        absent = [t for t in own if not _covered(t, bag)]
        return False, f"the closest passages cover only {cov:.0%} of the question ({', '.join(absent[:4])} missing)"
    return True, ""


def fold_equal(a: str, b: str) -> bool:
    return fold(a) == fold(b)
