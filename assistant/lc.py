"""LangChain adapters: the hybrid search as a `BaseRetriever`, the packaged model as
`Embeddings`. Kept apart so the question path never imports LangChain.

    >>> from assistant.lc import HybridRetriever
    >>> HybridRetriever(settings=Settings.from_env(), k=5).invoke("Who chaired the SOM?")
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from .embeddings import Embedder, get_embedder


class HybridRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever.

        >>> HybridRetriever(settings=Settings.from_env(), k=5).invoke("Who chaired the SOM?")
    """

    settings: Any = None
    k: int = 5
    filters: Any = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, filters: Any = None) -> list[Document]:
        from .answering import search

        hits = search(query, k=k or self.k, filters=filters or self.filters, settings=self.settings)
        return [
            Document(
                page_content=c.passage,
                id=c.chunk_id,
                metadata={"source": c.source, "title": c.title, "page": c.page, "process": c.process,
                          "date": c.date, "start": c.passage_start, "end": c.passage_end,
                          "score": c.score, "rank": c.index},
            )
            for c in hits
        ]


class MiniLMEmbeddings(Embeddings):
    """LangChain `Embeddings` over the packaged model (used by the LangChain standard tests
    and the tutorial baseline)."""

    def __init__(self, embedder: Embedder | None = None):
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.encode([text])[0].tolist()
