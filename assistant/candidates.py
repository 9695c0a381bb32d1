"""Stage 3, candidates: the sentences, list items and table rows of the retrieved passages that
could answer, and how a chosen one is expanded into what is quoted (a list with its introducing
line, a clause with the rest of its sentence, a person named by title alone with the sentence
naming them).

The pool is the fused top passages plus each retriever's own top few (fusion can bury a passage
only keyword search found) and the best keyword matches inside the leading reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .answer_types import typed_entities
from .index import ChunkIndex, ChunkRow
from .qtype import cue
from .retrieval import Hit, QueryPlan
from .textnorm import tokens
from .title_nouns import person_nouns


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
    f: dict[str, float] = field(default_factory=dict)
    own_coverage: float = 0.0  # coverage by the unit's own words (an item without its intro)
    phrase: float = 0.0  # share of the question's word pairs the unit repeats
    ents: list[tuple[int, int, str]] = field(default_factory=list)  # within `text`
    prob: float = 0.0  # the fitted scorer's probability that this unit answers


def unit_text(row: ChunkRow, k: int) -> str:
    s, e, _ = row.units[k]
    return row.text[s - row.start : e - row.start]


def unit_before(index: ChunkIndex, u: Unit) -> str:
    """The text of the unit just before `u` in its chunk ("" for a chunk's first unit): the
    heading or sentence that may name what `u` speaks of."""
    return unit_text(index.rows[u.row], u.order - 1) if u.order > 0 else ""


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
    """The units of these passages, best passage first. A text its document repeats (a page
    heading that restates the title, a caption under each photo) is one candidate, taken where
    it comes first in that order: twins would split the scorer's probability between them."""
    out = []
    seen: set[tuple[str, str]] = set()
    for h in hits:
        row = index.rows[h.row]
        for order, (s, e, kind) in enumerate(row.units):
            text = unit_text(row, order)
            key = (row.source, " ".join(text.split()).casefold())
            if text.strip() and key not in seen:
                seen.add(key)
                out.append(Unit(h.row, s, e, kind, text, order))
    return out


def pool(hits: Sequence[Hit], top: int = 12, each: int = 4) -> list[Hit]:
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


def same_document_rows(plan: QueryPlan, passages: Sequence[Hit], index: ChunkIndex,
                       docs: int = 2, each: int = 3) -> list[Hit]:
    """The best keyword matches inside the leading documents that the pool lacks: when
    distractors share a report's vocabulary, the report's own table or list can fall out of the
    global top ranks while its other passages lead."""
    seen = {h.row for h in passages}
    sources: list[str] = []
    for h in passages:
        src = index.rows[h.row].source
        if src not in sources:
            sources.append(src)
        if len(sources) == docs:
            break
    out = []
    for src in sources:
        new = [row for row, _ in index.keyword_search_in(plan.keywords, src, each + len(seen))
               if row not in seen][:each]
        out += [Hit(row, 0.0) for row in new]
        seen.update(new)
    return out


def expansion_rows(question: str, passages: list[Hit], index: ChunkIndex) -> list[Hit]:
    """Passages of the documents found that spell out the acronym asked about, wherever they
    are: "What does BMP stand for?" -> the line with "Building Migration Partnerships"."""
    seen = {h.row for h in passages}
    sources = {index.rows[h.row].source for h in passages}
    out = []
    for acr in re.findall(r"\b[A-Z]{2,}\b", question):
        for row, _ in index.keyword_search({acr.lower(): 1.0}, 60):
            r = index.rows[row]
            if row not in seen and r.source in sources and cue("expansion", r.text, question) >= 0.8:
                out.append(Hit(row, 0.0))
                seen.add(row)
    return out[:5]


# A sentence that opens with a pronoun speaks of someone or something the one before names.
_ANAPHORA = re.compile(r"[\"“‘']?(?:he|she|it|they|his|her|its|their|this|these|those)\b", re.I)


def expand(best: Unit, ranked: list[Unit], kind: str, index: ChunkIndex) -> list[Unit]:
    """A list answer brings its list; a close runner-up that adds missing words joins the best;
    a person named by title alone ("the Minister said") brings the sentence naming them."""
    return _with_antecedent(_expand(best, ranked, kind, index), ranked, kind, index)


def _expand(best: Unit, ranked: list[Unit], kind: str, index: ChunkIndex) -> list[Unit]:
    is_intro = best.kind != "item" and best.text.rstrip().endswith(":")
    if best.kind == "item" or (kind == "list" and is_intro):
        intro = (best.row, best.order) if is_intro else list_intro(index, best.row, best.order)
        if intro and (is_intro or kind == "list" and _intro_answers(best, intro, index)):
            return _gather_list(index, intro, ranked)
        if not intro and kind == "list":  # a list straight under its heading
            return _gather_list(index, _first_item(index, best.row, best.order), ranked)
        if intro:
            return [_candidate_at(ranked, index, *intro, best.score), best]
        return [best]
    if best.kind == "clause":  # a clause is quoted with the rest of its sentence
        return _whole_sentence(best, ranked, index)
    chosen = [best]
    if best.order > 0 and _ANAPHORA.match(best.text):
        # "Her country also wanted to ...": who "her" is, the sentence before says.
        chosen.append(_candidate_at(ranked, index, best.row, best.order - 1, best.score))
    for second in ranked[1:3]:
        if (second.row == best.row and abs(second.order - best.order) == 1
                and all(u.order != second.order for u in chosen)
                and second.score >= 0.93 * best.score and second.coverage > best.coverage + 0.2):
            chosen.append(second)
            break
    return sorted(chosen, key=lambda u: (u.row, u.start))


def _with_antecedent(chosen: list[Unit], ranked: list[Unit], kind: str,
                     index: ChunkIndex) -> list[Unit]:
    """For a person: "..., the Minister said" is quoted with the earlier sentence naming the
    Minister (`_title_antecedent`)."""
    if kind != "person":
        return chosen
    first = min(chosen, key=lambda u: u.order)
    k = _title_antecedent(first, index)
    if k is None:
        return chosen
    return sorted([*chosen, _candidate_at(ranked, index, first.row, k, first.score)],
                  key=lambda u: (u.row, u.start))


def _title_antecedent(best: Unit, index: ChunkIndex, back: int = 4) -> int | None:
    """The unit, of the few before `best` in its chunk, naming the person `best` refers to by a
    definite title only ("the Minister said", "the Foreign Minister stressed"): the nearest one
    with a PERSON beside that title ("Minister of Foreign Affairs and Trade Péter Szijjártó
    said"). The title is one of the corpus's own (`title_nouns.person_nouns`); None when `best`
    names no one by a bare title or no earlier unit names someone so titled."""
    titles = person_nouns(index)
    bare = _bare_titles(best.text, titles)
    if not bare:
        return None
    row = index.rows[best.row]
    # A name of its own beside the title, the bare mentions left out: nothing to look back for.
    own = list(best.text)
    for spans in bare.values():
        for s, e in spans:
            own[s:e] = " " * (e - s)
    if _names_titled(row, best.order, set(bare), titles, "".join(own)):
        return None
    for k in range(best.order - 1, max(-1, best.order - 1 - back), -1):
        if _names_titled(row, k, set(bare), titles):
            return k
    return None


def _names_titled(row: ChunkRow, k: int, wanted: set[str], titles: frozenset[str],
                  text: str | None = None) -> bool:
    """Unit k of `row` (or `text`, its text with some words blanked) has a PERSON with one of
    the `wanted` titles beside it."""
    s, e, _ = row.units[k]
    unit = unit_text(row, k)
    text = unit if text is None else text
    return any(label == "PERSON" and wanted & set(tokens(text[max(0, ps - 80):ps] + " " + text[pe:pe + 60]))
               for ps, pe, label in typed_entities(row, s, e, unit, titles))


_THE = re.compile(r"\b[Tt]he\s+")
_NEXT_WORD = re.compile(r"([\w’'-]+)(\s*)")


def _bare_titles(text: str, titles: frozenset[str]) -> dict[str, list[tuple[int, int]]]:
    """The titles `text` names someone by alone, with where: "the Minister said", "the Foreign
    Minister", not "the Minister Péter Szijjártó" (a name follows)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for m in _THE.finditer(text):
        at = m.end()
        for _ in range(3):  # "the [Foreign] [Affairs] Minister"
            w = _NEXT_WORD.match(text, at)
            if w is None:
                break
            tok = tokens(w.group(1))
            if tok and tok[0] in titles:
                if not text[w.end():w.end() + 1].isupper():
                    out.setdefault(tok[0], []).append((m.start(), w.end(1)))
                break
            if not w.group(1)[:1].isupper() or not w.group(2):
                break
            at = w.end()
    return out


def _whole_sentence(best: Unit, ranked: list[Unit], index: ChunkIndex) -> list[Unit]:
    """The clause units around `best` that belong to the same sentence (only "; " between),
    with their features where they are candidates too."""
    row = index.rows[best.row]
    units = row.units
    lo = hi = best.order

    def joined(a: int, b: int) -> bool:
        gap = row.text[units[a][1] - row.start : units[b][0] - row.start]
        return units[a][2] == units[b][2] == "clause" and gap.strip() in ("", ";")

    while lo > 0 and joined(lo - 1, lo):
        lo -= 1
    while hi + 1 < len(units) and joined(hi, hi + 1):
        hi += 1
    return [_candidate_at(ranked, index, best.row, k, best.score) for k in range(lo, hi + 1)]


def _candidate_at(ranked: list[Unit], index: ChunkIndex, row_i: int, k: int, score: float) -> Unit:
    """The candidate unit k of a row, with its features and entities (what the answer checks
    read); a bare unit when it was not a candidate."""
    return next((u for u in ranked if u.row == row_i and u.order == k), None) or _make_unit(index, row_i, k, score)


def _intro_answers(best: Unit, intro: tuple[int, int], index: ChunkIndex) -> bool:
    """The question is about the whole list when the intro line, not the item, carries it."""
    return best.coverage - best.own_coverage >= best.own_coverage


def _make_unit(index: ChunkIndex, row_i: int, k: int, score: float) -> Unit:
    s, e, kd = index.rows[row_i].units[k]
    return Unit(row_i, s, e, kd, unit_text(index.rows[row_i], k), k, score)


def _first_item(index: ChunkIndex, row_i: int, k: int) -> tuple[int, int]:
    row = index.rows[row_i]
    while k > 0 and row.units[k - 1][2] == "item":
        k -= 1
    return row_i, k


def _gather_list(index: ChunkIndex, intro: tuple[int, int], ranked: list[Unit],
                 limit: int = 40) -> list[Unit]:
    """The intro line and every item after it, following the list into the next chunk."""
    row_i, k = intro
    out = [_candidate_at(ranked, index, row_i, k, 0.0)]
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
        out.append(_candidate_at(ranked, index, row_i, k, 0.0))
        k += 1
    return out
