"""The assistant library: answers with cited passages over indexed dialogue documents.

    >>> from assistant import answer
    >>> r = answer("Who opened the 2022 meeting in Istanbul?")
    >>> print(r.text); print(r.citations[0].source, r.citations[0].quote)

Importing the package is cheap: the model, store and keyword index load on first use
(or at `warm_up()`).
"""

from .settings import Settings
from .types import Answer, Citation, Filters

__all__ = ["answer", "answer_stream", "search", "warm_up", "refresh", "Answer", "Citation", "Filters", "Settings"]


def __getattr__(name: str):
    if name in ("answer", "answer_stream", "search", "warm_up", "refresh"):
        from . import answering as _answer_module

        return getattr(_answer_module, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
