"""Evaluation metrics over a question set: pure functions, no ingest, UI or argparse.

A question set is JSON lines (see tests/eval/qa.jsonl); `evaluate` runs every question through
the answer and search functions it is given and scores:

* recall@k: for answerable questions, one of the top-k passages from the expected source
  contains the evidence string (folded compare);
* accuracy: answerable, answered, every expected fact in the answer text, expected source cited;
* citation validity: share of citations whose index is in 1..n, whose quote is exactly
  `doc_text[start:end]` of its source and lies inside its passage; a `[n]` marker in the text
  that points at no citation counts as one more invalid citation;
* refusal rate on unanswerable questions, false-refusal rate on answerable ones;
* p50/p95 latency of the answer function, after one warm-up call.

    >>> qs = load_questions("tests/eval/qa.jsonl")
    >>> report = evaluate(qs, answer_fn=ans, search_fn=srch, doc_text_fn=store.doc_text)
    >>> print(report.table())
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .types import Answer, Citation

AnswerFn = Callable[..., Answer]            # answer_fn(question, history=...) -> Answer
SearchFn = Callable[..., Sequence[Citation]]  # search_fn(question, k=..., history=...)
DocTextFn = Callable[[str], "str | None"]    # doc_text_fn(source) -> cleaned text or None

_MARKER = re.compile(r"\[(\d+)\]")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Compare form: NFKD, combining marks stripped, casefolded, whitespace collapsed.

    >>> fold("Savaş  ÜNLÜ")
    'savas unlu'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", stripped.casefold()).strip()


FOLDS = 5


def doc_key(name: str) -> str:
    """The part of a file name a question set names a document by: "d013_rabat.txt" -> "d013"
    (realdev names documents by their dNNN prefix); other names are kept whole."""
    base = name.rsplit("/", 1)[-1]
    m = re.match(r"(d\d{3})(?:[_.]|$)", base)
    return m.group(1) if m else base


def fold_of(key: str, folds: int = FOLDS) -> int:
    """The fixed fold of a document (or of an unanswerable question, by its id): a stable hash,
    so every command splits the same way."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % folds


@dataclass(frozen=True)
class Question:
    """One line of the question set.

    Two schemas are read: the project's own (`question`, `answerable`, `expected` — all must
    appear —, `source`, `evidence`, `history` as (question, answer) pairs) and realdev's (`q`,
    `any` or `all`, `source` as a dNNN prefix or a list of them, `unanswerable`, `kind`,
    `type`, `history` as earlier questions only; their answers are produced at evaluation
    time, as in a chat)."""

    id: str
    question: str
    answerable: bool
    history: tuple[tuple[str, str], ...] = ()
    expected: tuple[str, ...] = ()
    source: str | None = None
    evidence: str | None = None
    match: str = "all"  # "all": every expected string must appear; "any": one of them
    sources: tuple[str, ...] = ()  # every acceptable source (realdev: several documents)
    kind: str = ""  # unanswerable: near_miss / absent / off_topic
    qtype: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> Question:
        if "q" in d:  # realdev
            src = d.get("source")
            sources = tuple(str(s) for s in (src if isinstance(src, list) else [src] if src else []))
            return cls(
                id=str(d["id"]), question=str(d["q"]), answerable=not d.get("unanswerable"),
                history=tuple((str(h), "") for h in d.get("history") or ()),
                expected=tuple(str(x) for x in d.get("any") or d.get("all") or ()),
                source=sources[0] if sources else None, sources=sources,
                match="any" if d.get("any") else "all", kind=str(d.get("kind") or ""),
                qtype=str(d.get("type") or ""),
            )
        return cls(
            id=str(d["id"]),
            question=str(d["question"]),
            answerable=bool(d["answerable"]),
            history=tuple((str(q), str(a)) for q, a in d.get("history") or ()),
            expected=tuple(str(x) for x in d.get("expected") or ()),
            source=d.get("source"),
            evidence=d.get("evidence"),
            sources=(d["source"],) if d.get("source") else (),
        )

    @property
    def fold(self) -> int:
        """The fold of the question's (first) source document; unanswerable ones by id."""
        return fold_of(doc_key(self.source) if self.source else self.id)

    def accepts(self, cited: str) -> bool:
        return any(same_source(cited, s) for s in self.sources or ((self.source,) if self.source else ()))

    def facts_in(self, text: str) -> list[str]:
        """The expected strings missing from `text` (for "any": all of them when none is in)."""
        folded = fold(text)
        missing = [e for e in self.expected if fold(e) not in folded]
        if self.match == "any" and len(missing) < len(self.expected):
            return []
        return missing


def load_questions(path: str | Path) -> list[Question]:
    """Read a JSON-lines question set; blank lines are skipped."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(Question.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: {exc}") from None
    return out


def same_source(cited: str, expected: str | None) -> bool:
    """True when a cited source names the expected file: exactly, as a path ending in it, or
    (realdev's dNNN prefixes) by its document key."""
    if not expected:
        return False
    return cited == expected or cited.endswith("/" + expected) or doc_key(cited) == expected


@dataclass(frozen=True)
class QuestionResult:
    """How one question fared. `retrieved` is None for unanswerable questions."""

    id: str
    question: str
    answerable: bool
    answered: bool
    correct: bool
    retrieved: bool | None
    citations: int
    invalid_citations: int
    seconds: float
    failures: tuple[str, ...] = ()
    answer_text: str = ""
    cited_sources: tuple[str, ...] = ()


def check_citations(answer: Answer, doc_text_fn: DocTextFn,
                    cache: dict[str, str | None] | None = None) -> tuple[int, list[str]]:
    """(number of checks, problems) for an answer's citations and its text's [n] markers."""
    cache = {} if cache is None else cache
    problems: list[str] = []
    n = len(answer.citations)
    seen: set[int] = set()
    for c in answer.citations:
        label = f"citation [{c.index}] {c.source}"
        if not 1 <= c.index <= n or c.index in seen:
            problems.append(f"{label}: index out of 1..{n} or repeated")
            continue
        seen.add(c.index)
        if not c.quote:
            problems.append(f"{label}: empty quote")
            continue
        if c.source not in cache:
            cache[c.source] = doc_text_fn(c.source)
        text = cache[c.source]
        if text is None:
            problems.append(f"{label}: source not in the index")
        elif text[c.start:c.end] != c.quote:
            problems.append(f"{label}: doc_text[{c.start}:{c.end}] != quote {c.quote[:60]!r}")
        elif c.quote not in c.passage:
            problems.append(f"{label}: quote not inside its passage")
    dangling = sorted({int(m) for m in _MARKER.findall(answer.text)} - seen)
    problems.extend(f"marker [{m}] points at no citation" for m in dangling)
    return n + len(dangling), problems


def score_question(q: Question, answer: Answer, hits: Sequence[Citation] | None,
                   doc_text_fn: DocTextFn, seconds: float = 0.0,
                   cache: dict[str, str | None] | None = None) -> QuestionResult:
    """Score one answer (and, for answerable questions, its top-k `hits`)."""
    failures: list[str] = []
    checks, problems = check_citations(answer, doc_text_fn, cache)
    failures.extend(problems)
    sources = tuple(c.source for c in answer.citations)
    retrieved: bool | None = None
    correct = False
    if q.answerable:
        evidence = fold(q.evidence or "")
        retrieved = any(
            q.accepts(h.source) and (evidence in fold(h.passage) if evidence
                                     else len(q.facts_in(h.passage)) < len(q.expected))
            for h in hits or ()
        )
        if not retrieved:
            failures.append(f"retrieval: evidence {q.evidence or q.expected!r} not in top {len(hits or ())}")
        if not answer.answered:
            failures.append("refused an answerable question")
        else:
            missing = q.facts_in(answer.text)
            cited = any(q.accepts(s) for s in sources)
            if missing:
                failures.append(f"missing facts: {missing}")
            if not cited:
                failures.append(f"expected source {q.source} not cited (cited: {list(sources)})")
            correct = not missing and cited
    elif answer.answered:
        failures.append("answered an unanswerable question")
    return QuestionResult(
        id=q.id, question=q.question, answerable=q.answerable, answered=answer.answered,
        correct=correct, retrieved=retrieved, citations=checks, invalid_citations=len(problems),
        seconds=seconds, failures=tuple(failures), answer_text=answer.text,
        cited_sources=sources,
    )


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank-with-interpolation percentile (statistics' 'inclusive' method)."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[int(p) - 1] if 1 <= p <= 99 else float(max(values) if p >= 100 else min(values))


@dataclass(frozen=True)
class EvalReport:
    """Per-question results plus the overall metrics. `name` labels the system/corpus row."""

    results: tuple[QuestionResult, ...]
    name: str = ""
    k: int = 5
    extra: dict = field(default_factory=dict)

    @property
    def answerable(self) -> list[QuestionResult]:
        return [r for r in self.results if r.answerable]

    @property
    def unanswerable(self) -> list[QuestionResult]:
        return [r for r in self.results if not r.answerable]

    @property
    def recall_at_k(self) -> float | None:
        rs = self.answerable
        return _ratio(sum(bool(r.retrieved) for r in rs), len(rs))

    @property
    def accuracy(self) -> float | None:
        rs = self.answerable
        return _ratio(sum(r.correct for r in rs), len(rs))

    @property
    def citation_validity(self) -> float | None:
        total = sum(r.citations for r in self.results)
        return _ratio(total - sum(r.invalid_citations for r in self.results), total)

    @property
    def refusal_rate(self) -> float | None:
        rs = self.unanswerable
        return _ratio(sum(not r.answered for r in rs), len(rs))

    @property
    def false_refusal_rate(self) -> float | None:
        rs = self.answerable
        return _ratio(sum(not r.answered for r in rs), len(rs))

    def latency(self, p: float) -> float | None:
        return percentile([r.seconds for r in self.results], p)

    @property
    def failures(self) -> list[QuestionResult]:
        return [r for r in self.results if r.failures]

    def metrics(self) -> dict:
        return {
            "questions": len(self.results),
            "answerable": len(self.answerable),
            "unanswerable": len(self.unanswerable),
            f"recall@{self.k}": self.recall_at_k,
            "accuracy": self.accuracy,
            "citation_validity": self.citation_validity,
            "refusal_rate": self.refusal_rate,
            "false_refusal_rate": self.false_refusal_rate,
            "latency_p50_ms": _ms(self.latency(50)),
            "latency_p95_ms": _ms(self.latency(95)),
        }

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "metrics": self.metrics(),
            **({"extra": self.extra} if self.extra else {}),
            "results": [asdict(r) for r in self.results],
        }

    def table(self, failures: bool = True) -> str:
        """This report's metrics row, then (optionally) its failure list."""
        out = format_table([self])
        if failures:
            out += "\n" + format_failures(self)
        return out


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


_COLUMNS = (
    ("system / corpus", None),
    ("n", "questions"),
    ("recall@5", "recall@"),
    ("accuracy", "accuracy"),
    ("cit.valid", "citation_validity"),
    ("refusal", "refusal_rate"),
    ("false-ref", "false_refusal_rate"),
    ("p50 ms", "latency_p50_ms"),
    ("p95 ms", "latency_p95_ms"),
)


def _cell(key: str, m: dict) -> str:
    if key == "recall@":
        key = next(k for k in m if k.startswith("recall@"))
    v = m[key]
    if v is None:
        return "-"
    if key.endswith("_ms"):
        return f"{v:.1f}"
    if isinstance(v, float):
        return f"{100 * v:.1f}%"
    return str(v)


def format_table(reports: Iterable[EvalReport]) -> str:
    """A plain-text table, one row per report (system/corpus)."""
    reports = list(reports)
    header = [name for name, _ in _COLUMNS]
    if reports and reports[0].k != 5:
        header[2] = f"recall@{reports[0].k}"
    rows = [header]
    for r in reports:
        m = r.metrics()
        rows.append([r.name or "-"] + [_cell(key, m) for _, key in _COLUMNS[1:]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for j, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                        strict=True)]
        lines.append("  ".join(cells))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_failures(report: EvalReport, limit: int = 200) -> str:
    """One block per failing question: id, question, what went wrong, the answer's start."""
    fails = report.failures
    if not fails:
        return f"{report.name or 'report'}: no failures"
    lines = [f"{report.name or 'report'}: {len(fails)} question(s) with failures"]
    for r in fails[:limit]:
        lines.append(f"  {r.id} {r.question}")
        for f in r.failures:
            lines.append(f"      - {f}")
        snippet = _SPACE.sub(" ", r.answer_text)[:160]
        lines.append(f"      answer: {snippet!r}")
    return "\n".join(lines)


def with_answers(history: Sequence[tuple[str, str]], answer_fn: AnswerFn) -> tuple[tuple[str, str], ...]:
    """The conversation as a chat would hold it: earlier turns given without an answer
    (realdev's history) are answered now, each with the turns before it."""
    out: list[tuple[str, str]] = []
    for q, a in history:
        out.append((q, a if a else answer_fn(q, history=tuple(out)).text))
    return tuple(out)


def as_chat(questions: Sequence[Question]) -> list[Question]:
    """The same questions asked as one long conversation: each question that has no history of
    its own follows the previous question, with that question's own history before it (the
    earlier answers are produced at evaluation time). A question that stands alone must fare
    exactly as it does alone."""
    out, prev = [], None
    for q in questions:
        if not q.history and prev is not None:
            q = Question(**{**asdict(q), "history": (*prev.history, (prev.question, ""))[-3:]})
        out.append(q)
        prev = q
    return out


def evaluate(questions: Sequence[Question], *, answer_fn: AnswerFn, search_fn: SearchFn,
             doc_text_fn: DocTextFn, k: int = 5, name: str = "",
             warm_up: bool = True) -> EvalReport:
    """Run every question and score it.

    `answer_fn(question, history=...)` -> Answer; `search_fn(question, k=..., history=...)`
    -> ranked Citations; `doc_text_fn(source)` -> the source's cleaned text (or None).
    One warm-up answer call runs first so p50/p95 measure a warm system.

        >>> evaluate(load_questions(path), answer_fn=partial(answer, settings=s),
        ...          search_fn=partial(search, settings=s), doc_text_fn=store.doc_text)
    """
    if warm_up and questions:
        answer_fn(questions[0].question, history=with_answers(questions[0].history, answer_fn))
    cache: dict[str, str | None] = {}
    results = []
    for q in questions:
        history = with_answers(q.history, answer_fn)
        # Answer first, so a search cache cannot flatter the answer's latency.
        t0 = time.perf_counter()
        ans = answer_fn(q.question, history=history)
        seconds = time.perf_counter() - t0
        hits = search_fn(q.question, k=k, history=history)[:k] if q.answerable else None
        results.append(score_question(q, ans, hits, doc_text_fn, seconds, cache))
    return EvalReport(results=tuple(results), name=name, k=k)
