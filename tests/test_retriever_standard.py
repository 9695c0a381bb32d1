"""LangChain's standard retriever suite against `HybridRetriever` over the ingested seeds,
plus what the suite does not check: the documents are our passages, with their metadata."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.lc import HybridRetriever
from assistant.types import Filters

# The suite holds an async test; pytest-asyncio runs it only when marked (strict mode), and
# warns about the mark on the sync tests, which the suite forbids us to override.
pytestmark = [pytest.mark.asyncio, pytest.mark.filterwarnings("ignore::pytest.PytestWarning")]


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _seed(self, seed_settings):
        # Autouse fixtures run before the suite's `retriever` fixture builds the retriever.
        self.seed = seed_settings

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"settings": self.seed, "k": 5}

    @property
    def retriever_query_example(self) -> str:
        return "Who opened the 2022 meeting in Istanbul?"


def test_documents_are_passages_with_their_metadata(seed_settings):
    docs = HybridRetriever(settings=seed_settings, k=4).invoke("Who opened the 2022 meeting in Istanbul?")
    assert len(docs) == 4
    assert any("Savaş Ünlü" in d.page_content for d in docs)
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3, 4]
    assert len({d.id for d in docs}) == 4 and all(d.id for d in docs)
    for d in docs:
        assert d.metadata["source"].endswith(".txt") and d.metadata["title"]
        assert d.metadata["end"] - d.metadata["start"] == len(d.page_content)


def test_filters_in_the_constructor_and_at_invoke(seed_settings):
    prague = Filters(process="Prague Process")
    docs = HybridRetriever(settings=seed_settings, k=5, filters=prague).invoke("Senior Officials Meeting")
    assert docs and {d.metadata["process"] for d in docs} == {"Prague Process"}
    docs = HybridRetriever(settings=seed_settings, k=5).invoke(
        "Senior Officials Meeting", filters={"process": "Budapest Process"})
    assert docs and {d.metadata["process"] for d in docs} == {"Budapest Process"}
