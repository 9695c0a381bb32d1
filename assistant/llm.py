"""Optional LLM answers: prompt, stream with a deadline, and check every sentence's citations.

Used only when `settings.llm` ("provider:model", env ASSISTANT_LLM) is set. Any failure here is
the caller's cue to fall back to the extractive answer with a note.

    >>> model = llm_or_none(settings, notes=notes)          # None: answer extractively
    >>> raw = "".join(stream_llm_answer(q, passages, history=h, model=model, timeout=30))
    >>> checked = check_answer(raw, passages, embed=embedder.encode)
    >>> checked.text, checked.cited, checked.refused, checked.notes
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.citations import (
    parse_citations,
    rewrite_markers,
    split_sentences_with_markers,
    strip_markers,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.settings import Settings

log = logging.getLogger(__name__)

REFUSAL = "NOT_IN_DOCUMENTS"
MAX_HISTORY_TURNS = 4
# Providers with an install extra in pyproject.toml ([project.optional-dependencies]).
EXTRAS = {"openai": "openai", "azure_openai": "openai", "anthropic": "anthropic",
          "ollama": "ollama"}

SYSTEM_PROMPT = f"""\
You answer questions about migration-dialogue reports (Budapest Process, Prague Process) using \
only the numbered passages in the user's message.
Rules:
- Use only facts stated in the passages. No outside knowledge, no guesses.
- End every sentence with the number of each passage that supports it, like [1] or [1][3]. \
Cite only passages that exist.
- Keep it short: one to five sentences, or a short list whose every item is cited.
- If the passages do not answer the question, reply exactly: {REFUSAL}
- Earlier turns of the conversation only explain follow-up questions; they are not sources."""


class LLMError(Exception):
    """The chat model could not be loaded or failed while answering."""


class LLMTimeout(LLMError, TimeoutError):
    """The chat model did not finish before its deadline."""


class LLMConfigError(LLMError, ValueError):
    """ASSISTANT_LLM names a provider or model that cannot be loaded."""


@dataclass(frozen=True)
class LLMPassage:
    """One passage as the model sees it; `number` is its [n] in the prompt (1..len(passages))."""

    number: int
    text: str
    title: str = ""
    source: str = ""
    date: str = ""
    page: int | None = None


@dataclass(frozen=True)
class CheckedAnswer:
    """A model answer after the citation check.

    `text` cites passage `cited[i]` (original numbering) as `[i + 1]`. `refused` is True when the
    model said NOT_IN_DOCUMENTS or no supported sentence was left. `removed` holds the dropped
    sentences, `notes` says what was changed, in words for the user.
    """

    text: str
    cited: tuple[int, ...]
    refused: bool
    notes: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


# -- loading -------------------------------------------------------------------------------


def load_chat_model(spec: str) -> BaseChatModel:
    """A LangChain chat model for "provider:model", with clear errors.

    >>> load_chat_model("openai:gpt-4o-mini")   # needs: pip install -e '.[openai]'

    Raises:
        LLMConfigError: malformed spec, unknown provider, missing package or bad credentials.
    """
    provider, sep, name = spec.partition(":")
    provider, name = provider.strip().lower().replace("-", "_"), name.strip()
    if not sep or not provider or not name:
        raise LLMConfigError(
            f"ASSISTANT_LLM={spec!r} must look like provider:model, e.g. openai:gpt-4o-mini, "
            "anthropic:claude-sonnet-4-5 or ollama:llama3.1"
        )
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(name, model_provider=provider)
    except ImportError as exc:
        package = f"langchain-{provider.replace('_', '-')}"
        extra = EXTRAS.get(provider)
        how = f"pip install -e '.[{extra}]'" if extra else f"pip install {package}"
        raise LLMConfigError(
            f"ASSISTANT_LLM={spec!r} needs the {package} package; install it with: {how}"
        ) from exc
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0]
        raise LLMConfigError(
            f"ASSISTANT_LLM={spec!r}: unknown or unusable provider {provider!r} ({first}). "
            f"Providers with an install extra here: {', '.join(sorted(set(EXTRAS.values())))}"
        ) from exc
    except Exception as exc:  # e.g. a missing API key is reported at construction
        raise LLMConfigError(f"ASSISTANT_LLM={spec!r}: could not create the model: {exc}") from exc


def llm_or_none(settings: Settings, *, notes: list[str] | None = None) -> BaseChatModel | None:
    """The configured chat model, or None when none is set or it cannot be loaded.

    A load failure is logged once and, if `notes` is given, appended to it for the user.
    Loading is cached per spec, so calling this on every question is cheap.
    """
    if not settings.llm:
        return None
    model, error = _load_cached(settings.llm)
    if error and notes is not None:
        notes.append(f"The language model is unavailable ({error}); answered extractively.")
    return model


@lru_cache(maxsize=4)
def _load_cached(spec: str) -> tuple[BaseChatModel | None, str | None]:
    try:
        return load_chat_model(spec), None
    except LLMError as exc:
        log.error("%s", exc)
        return None, str(exc)


# -- prompting and streaming ---------------------------------------------------------------


def build_messages(
    question: str,
    passages: Sequence[LLMPassage],
    history: Sequence[tuple[str, str]] = (),
    *,
    max_turns: int = MAX_HISTORY_TURNS,
) -> list[BaseMessage]:
    """System rules, the last `max_turns` (question, answer) turns, then passages and question.

    Earlier answers lose their [n] markers: those numbers referred to other passages.
    """
    _check_numbering(passages)
    messages: list[BaseMessage] = [SystemMessage(SYSTEM_PROMPT)]
    for asked, answered in list(history)[-max_turns:] if max_turns > 0 else []:
        messages.append(HumanMessage(asked))
        messages.append(AIMessage(strip_markers(answered).strip()))
    blocks = "\n\n".join(_render_passage(p) for p in passages)
    messages.append(HumanMessage(f"Passages:\n\n{blocks}\n\nQuestion: {question.strip()}"))
    return messages


def _render_passage(p: LLMPassage) -> str:
    about = " | ".join(x for x in (p.title, p.date, p.source) if x)
    if p.page is not None:
        about += f", p. {p.page}"
    return f"[{p.number}] {about}\n{p.text.strip()}" if about else f"[{p.number}] {p.text.strip()}"


def _check_numbering(passages: Sequence[LLMPassage]) -> None:
    if [p.number for p in passages] != list(range(1, len(passages) + 1)):
        raise ValueError("passages must be numbered 1..n in order")


def stream_llm_answer(
    question: str,
    passages: Sequence[LLMPassage],
    *,
    history: Sequence[tuple[str, str]] = (),
    model: BaseChatModel,
    timeout: float,
) -> Iterator[str]:
    """Text deltas of the model's answer, raw (unchecked), within an overall deadline.

    The model streams in a worker thread, so a model stuck before its first token still times
    out. The deadline starts at the first `next()`.

    Raises:
        LLMTimeout: the answer was not complete after `timeout` seconds.
        LLMError: the model raised (the original exception is the `__cause__`).
    """
    messages = build_messages(question, passages, history)
    return _stream_with_deadline(model, messages, timeout)


def _stream_with_deadline(
    model: BaseChatModel, messages: list[BaseMessage], timeout: float
) -> Iterator[str]:
    inbox: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in model.stream(messages):
                if stop.is_set():  # the consumer gave up: stop pulling from the provider
                    return
                inbox.put(("delta", chunk.text))
        except BaseException as exc:  # handed to the consumer thread, which re-raises
            inbox.put(("error", exc))
        else:
            inbox.put(("done", None))

    deadline = time.monotonic() + timeout
    threading.Thread(target=produce, name="llm-stream", daemon=True).start()
    try:
        while True:
            try:
                kind, value = inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise LLMTimeout(
                    f"{_describe(model)} did not answer within {timeout:g} s"
                ) from None
            if kind == "done":
                return
            if kind == "error":
                exc = value if isinstance(value, BaseException) else RuntimeError(value)
                raise LLMError(f"{_describe(model)} failed: {type(exc).__name__}: {exc}") from exc
            if value:
                yield str(value)
    finally:
        stop.set()


def _describe(model: object) -> str:
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    return f"chat model {name}" if isinstance(name, str) else f"chat model {type(model).__name__}"


def llm_answer(
    question: str,
    passages: Sequence[LLMPassage],
    *,
    history: Sequence[tuple[str, str]] = (),
    model: BaseChatModel,
    timeout: float,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> CheckedAnswer:
    """Stream the whole answer, then check it. Raises like `stream_llm_answer`."""
    raw = "".join(
        stream_llm_answer(question, passages, history=history, model=model, timeout=timeout)
    )
    return check_answer(raw, passages, embed=embed)


# -- checking ------------------------------------------------------------------------------

MIN_OVERLAP = 0.6  # share of a sentence's content words its cited passages must contain
# With embeddings: a paraphrase may share fewer words if it is close in meaning, and shared
# words alone are not enough when the meaning is far off.
MIN_OVERLAP_PARAPHRASE, MIN_COS_PARAPHRASE, MIN_COS = 0.34, 0.55, 0.3

_STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no nor not
now of off on once only or other our out over own same she should so some such than that the
their them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your st nd rd th s t per
one according passage passages document documents report reports mentioned stated said states
""".split())
# "one" is left out: "one of the chairs" states no number.
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split()) if i > 1}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")


def check_answer(
    text: str,
    passages: Sequence[LLMPassage],
    *,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> CheckedAnswer:
    """Keep only the sentences that cite a passage which supports them; renumber the rest.

    A sentence is supported when its cited passages (with their title and date) contain every
    number it states and at least `MIN_OVERLAP` of its content words (case and diacritics
    folded, lightly stemmed). With `embed` (texts -> L2-normalised vectors) a paraphrase also
    passes on closeness in meaning, and word overlap needs some closeness too.
    A citation of a passage that shares nothing with its sentence is dropped from it.

    >>> check_answer("It met in Istanbul [1].", [LLMPassage(1, "The SOM met in Istanbul.")]).text
    'It met in Istanbul [1].'
    """
    _check_numbering(passages)
    if REFUSAL in text:
        return CheckedAnswer("", (), True,
                             ("The model found no answer to this in the documents.",))
    n = len(passages)
    parsed = parse_citations(text, n)
    notes: list[str] = []
    if parsed.out_of_range:
        bad = "".join(f"[{k}]" for k in parsed.out_of_range)
        notes.append(f"Removed citation {bad}: there {'is' if n == 1 else 'are'} only "
                     f"{n} passage{'' if n == 1 else 's'}.")
    sentences = split_sentences_with_markers(parsed.text)
    evidence = {p.number: _terms(" ".join((p.title, p.date, p.text))) for p in passages}
    claims = [(i, s, nums) for i, (s, nums) in enumerate(sentences) if nums and _has_words(s)]
    cosines = _cosines(claims, passages, embed) if embed else {}

    kept: list[str | None] = [None] * len(sentences)
    removed: list[str] = []
    uncited = unsupported = trimmed = 0
    for i, (sentence, nums) in enumerate(sentences):
        if not _has_words(sentence):
            continue  # blank line, stray bullet or marker
        if not nums:
            if sentence.rstrip().endswith(":"):
                kept[i] = sentence  # a list's lead-in; kept below only if an item survives
            else:
                uncited += 1
                removed.append(sentence.strip())
            continue
        words, numbers = _terms(sentence)
        if not _supported(words, numbers, [evidence[k] for k in nums], cosines.get(i)):
            unsupported += 1
            removed.append(sentence.strip())
            continue
        useless = {k for k in nums
                   if len(nums) > 1 and _shares_nothing(words, numbers, evidence[k])}
        if useless:
            trimmed += len(useless)
            sentence = _drop_markers(sentence, useless)
        kept[i] = sentence
    _drop_dangling_lead_ins(kept, sentences)

    if uncited:
        notes.append(_count(uncited, "sentence without a citation was removed.",
                            "sentences without a citation were removed."))
    if unsupported:
        notes.append(_count(unsupported,
                            "sentence not supported by the passage it cited was removed.",
                            "sentences not supported by the passages they cited were removed."))
    if trimmed:
        notes.append(_count(trimmed, "citation of a passage that does not support its sentence was "
                            "removed.", "citations of passages that do not support their sentence "
                            "were removed."))
    final = parse_citations("".join(k for k in kept if k is not None).strip(), n)
    refused = not final.cited
    if refused and not removed:
        notes.append("The model's answer cited no passage.")
    return CheckedAnswer("" if refused else final.renumbered, final.cited, refused,
                         tuple(notes), tuple(removed))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _drop_dangling_lead_ins(kept: list[str | None], sentences: list[tuple[str, list[int]]]):
    # A lead-in ("The meeting agreed on:") stays only if the item right after it survived.
    for i in range(len(kept) - 1, -1, -1):  # backwards, so a lead-in of a lead-in is seen right
        if kept[i] is None or sentences[i][1]:
            continue
        after = next((j for j in range(i + 1, len(kept)) if _has_words(sentences[j][0])), None)
        if after is None or kept[after] is None:
            kept[i] = None


def _drop_markers(sentence: str, numbers: set[int]) -> str:
    return rewrite_markers(sentence, lambda ns: [k for k in ns if k not in numbers])


def _supported(words, numbers, cited_terms, cosine: float | None) -> bool:
    pool_words = set().union(*(w for w, _ in cited_terms))
    pool_numbers = set().union(*(nb for _, nb in cited_terms))
    if not numbers <= pool_numbers:
        return False  # a number the passages do not state is never supported
    overlap = _overlap(words, pool_words)
    if cosine is None:
        return overlap >= MIN_OVERLAP
    return (overlap >= MIN_OVERLAP and cosine >= MIN_COS) or (
        overlap >= MIN_OVERLAP_PARAPHRASE and cosine >= MIN_COS_PARAPHRASE
    )


def _shares_nothing(words, numbers, terms) -> bool:
    p_words, p_numbers = terms
    return not (numbers & p_numbers) and _overlap(words, p_words) == 0 and bool(words or numbers)


def _overlap(words: set[str], pool: set[str]) -> float:
    if not words:
        return 1.0
    prefixes = {w[:5] for w in pool if len(w) >= 5}
    hits = sum(1 for w in words if w in pool or (len(w) >= 5 and w[:5] in prefixes))
    return hits / len(words)


def _cosines(claims, passages: Sequence[LLMPassage], embed) -> dict[int, float]:
    """Per claim sentence: the best cosine to any sentence (or the title) of a cited passage."""
    used = sorted({k for _, _, nums in claims for k in nums})
    units: dict[int, list[str]] = {}
    for p in passages:
        if p.number in used:
            parts = [s.strip() for s, _ in split_sentences_with_markers(p.text) if _has_words(s)]
            units[p.number] = [u for u in [p.title, *parts] if u]
    texts = [strip_markers(s).strip() for _, s, _ in claims]
    flat = [u for k in used for u in units[k]]
    if not texts or not flat:
        return {}
    vecs = np.asarray(embed(texts + flat), dtype=np.float32)
    claim_vecs, unit_vecs = vecs[: len(texts)], vecs[len(texts):]
    owner = np.array([k for k in used for _ in units[k]])
    sims = claim_vecs @ unit_vecs.T
    return {i: float(sims[j][np.isin(owner, nums)].max(initial=-1.0))
            for j, (i, _, nums) in enumerate(claims)}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _stem(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) >= 5:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 5:
        word = word[:-2]
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _terms(text: str) -> tuple[set[str], set[str]]:
    """(content word stems, numbers) of a text; "1,000" is 1000 and "three" is 3."""
    words: set[str] = set()
    numbers: set[str] = set()
    for tok in _TOKEN.findall(_fold(strip_markers(text))):
        if tok[0].isdigit():
            number = re.sub(r"[.,](?=\d{3}(?!\d))", "", tok)  # thousands separators
            numbers.add(number.lstrip("0") or "0")
        elif tok in _NUMBER_WORDS:
            numbers.add(_NUMBER_WORDS[tok])
        elif tok not in _STOPWORDS and len(tok) > 1:
            words.add(_stem(tok))
    return words, numbers


def _has_words(sentence: str) -> bool:
    return any(c.isalnum() for c in strip_markers(sentence))
