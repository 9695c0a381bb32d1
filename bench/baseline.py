"""LangChain's tutorial RAG pipeline, for comparison on the same corpus and questions.

Exactly the tutorial's retrieval: raw file text (what TextLoader reads), a
`RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`, `HuggingFaceEmbeddings`
over the same packaged all-MiniLM-L6-v2 (offline), `Chroma.from_documents` in a temporary
directory, similarity search top-4.

The tutorial has no answerer without an LLM: it hands the top-4 chunks to a chat model. So this
module gives it the most lenient reading possible: the "answer" text is the whole top chunk,
its citations are the top-4 chunks (quote = the whole chunk, start/end = its position in the
raw file text, found by the splitter's `add_start_index`), and it never refuses. Its refusal
rate is therefore 0 by construction, and its accuracy is an upper bound for a perfect reader
of the top chunk. `search_fn` returns the top k (5 for recall@5) from the same store; the
tutorial has no notion of history, so follow-ups are searched as typed.

    >>> search_fn, answer_fn = build_baseline("corpus", "/tmp/baseline")
    >>> answer_fn("Who opened the 2022 meeting in Istanbul?").citations[0].source
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from assistant import Answer, Citation

log = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".html", ".htm"}
TOP_K = 4


def load_raw(corpus_dir: str | Path) -> list:
    """One LangChain Document per file: the raw text, as TextLoader reads it."""
    from langchain_core.documents import Document

    root = Path(corpus_dir)
    docs = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
            docs.append(Document(page_content=text,
                                 metadata={"source": path.relative_to(root).as_posix()}))
    return docs


def raw_text_fn(corpus_dir: str | Path) -> Callable[[str], str | None]:
    """doc_text_fn for the baseline: the raw file text its spans refer to."""
    root = Path(corpus_dir)

    def doc_text(source: str) -> str | None:
        path = root / source
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None

    return doc_text


def build_baseline(corpus_dir: str | Path, persist_dir: str | Path):
    """Index `corpus_dir` the tutorial's way into `persist_dir`; return (search_fn, answer_fn).

    `search_fn(question, k=5, history=())` -> tuple[Citation, ...] (quote == "");
    `answer_fn(question, history=())` -> Answer (never refuses; see the module docstring).
    """
    import chromadb
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.embeddings import model_path

    t0 = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200,
                                              add_start_index=True)
    chunks = splitter.split_documents(load_raw(corpus_dir))
    embeddings = HuggingFaceEmbeddings(model_name=model_path(),
                                       model_kwargs={"device": "cpu"})
    store = Chroma.from_documents(
        chunks,
        embeddings,
        collection_name="tutorial_baseline",
        persist_directory=str(persist_dir),
        client_settings=chromadb.config.Settings(anonymized_telemetry=False),
    )
    log.info("baseline: %d chunks indexed in %.1fs", len(chunks), time.perf_counter() - t0)

    def _citations(question: str, k: int, quote: bool) -> tuple[Citation, ...]:
        out = []
        for i, (doc, distance) in enumerate(store.similarity_search_with_score(question, k=k), 1):
            start = int(doc.metadata.get("start_index", -1))
            found = start >= 0
            text = doc.page_content
            out.append(Citation(
                index=i, source=doc.metadata["source"], title=doc.metadata["source"], page=None,
                passage=text, quote=text if quote else "",
                start=start if found else 0, end=start + len(text) if found else 0,
                score=float(1.0 - distance), passage_start=max(start, 0),
                passage_end=max(start, 0) + len(text),
            ))
        return tuple(out)

    def search_fn(question: str, k: int = 5, history=(), **_: object) -> tuple[Citation, ...]:
        return _citations(question, k, quote=False)

    def answer_fn(question: str, history=(), **_: object) -> Answer:
        t = time.perf_counter()
        cites = _citations(question, TOP_K, quote=True)
        text = cites[0].passage if cites else ""
        return Answer(question=question, text=text, answered=True, citations=cites,
                      mode="tutorial-baseline", searched=question,
                      seconds=time.perf_counter() - t)

    return search_fn, answer_fn
