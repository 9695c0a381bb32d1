"""LangChain's standard integration suites against our embeddings and our Chroma setup.

The vector-store suite runs `langchain_chroma.Chroma` exactly as the assistant opens Chroma:
a persistent client in a temporary folder, cosine space, and our packaged MiniLM model as the
embedding function (never Chroma's default, which downloads a model).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from langchain_tests.integration_tests import (
    EmbeddingsIntegrationTests,
    VectorStoreIntegrationTests,
)

from assistant.lc import MiniLMEmbeddings

# The suites hold async tests; pytest-asyncio runs them only when marked (strict mode).
pytestmark = [pytest.mark.asyncio, pytest.mark.filterwarnings("ignore::UserWarning")]


class TestMiniLMEmbeddingsStandard(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[MiniLMEmbeddings]:
        return MiniLMEmbeddings


class TestChromaStandard(VectorStoreIntegrationTests):
    @staticmethod
    def get_embeddings() -> MiniLMEmbeddings:
        return MiniLMEmbeddings()

    @pytest.fixture()
    def vectorstore(self, tmp_path) -> Iterator:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        client = chromadb.PersistentClient(
            path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        store = Chroma(
            client=client,
            collection_name=f"standard_{uuid.uuid4().hex[:8]}",
            embedding_function=self.get_embeddings(),
            collection_metadata={"hnsw:space": "cosine"},
        )
        try:
            yield store
        finally:
            store.delete_collection()
