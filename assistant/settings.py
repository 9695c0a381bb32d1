"""Typed settings, read from an environment mapping at the edges only.

Every variable is documented here and in the README's "Configuration" table.

    >>> s = Settings.from_env({"ASSISTANT_CORPUS_DIR": "/data/reports"})
    >>> s.corpus_dir
    PosixPath('/data/reports')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 2**20  # every file size limit is in MiB: ingest, upload and the server's request limit

# name -> (field, description). The README table mirrors this.
VARIABLES: dict[str, tuple[str, str]] = {
    "ASSISTANT_CORPUS_DIR": ("corpus_dir", "Folder of reports to index (default: corpus/ in the checkout)."),
    "ASSISTANT_STORE_DIR": ("store_dir", "Where the embedded Chroma store and the keyword index live (default: .store/, git-ignored)."),
    "ASSISTANT_CHROMA_URL": ("chroma_url", "Unset: embedded Chroma in ASSISTANT_STORE_DIR. Set (http://host:port): a Chroma server."),
    "ASSISTANT_COLLECTION": ("collection", "Chroma collection name prefix (default: dialogue)."),
    "ASSISTANT_LLM": ("llm", "Optional chat model as provider:model for LangChain's init_chat_model; unset = extractive answers."),
    "ASSISTANT_LLM_TIMEOUT": ("llm_timeout", "Seconds before an LLM answer falls back to the extractive one (default: 30)."),
    "ASSISTANT_AUTH": ("auth", "user:password required to serve on an interface other than loopback."),
    "ASSISTANT_ALLOWED_HOSTS": ("allowed_hosts", "Comma-separated host names the server answers besides its bind address and loopback names (e.g. a DNS name for a non-loopback bind); other Host headers get 403."),
    "ASSISTANT_MAX_FILE_MB": ("max_file_mb", "Largest document ingest and upload accept, in MiB (2**20 bytes; default: 20)."),
    "ASSISTANT_MAX_DOC_CHARS": ("max_doc_chars", "Most characters of text one document may yield; past it the document fails with a reason (default: 2000000)."),
    "ASSISTANT_MAX_DOC_CHUNKS": ("max_doc_chunks", "Most chunks one document may yield; past it the document fails with a reason (default: 5000)."),
    "ASSISTANT_MAX_QUESTION_CHARS": ("max_question_chars", "Longest question accepted, in characters; longer ones get a clear message (default: 2000)."),
    "ASSISTANT_TOP_K": ("top_k", "Passages handed to the answerer (default: 8)."),
    "ASSISTANT_EMBED_BATCH": ("embed_batch", "Embedding batch size (default: 32)."),
    "ASSISTANT_QUERY_ENCODER": ("query_encoder", "onnx (default): questions are encoded by onnxruntime from the shared ONNX export; model: by sentence-transformers."),
    "ASSISTANT_ENCODER": ("encoder", "onnx (default): ingest embeds passages with onnxruntime from the shared ONNX export; torch: with sentence-transformers."),
    "ASSISTANT_INGEST_NER": ("ingest_ner", "on (default): ingest stores each chunk's named entities (spaCy) for the answerer; off: only the opening of each document is read, for its metadata, and the answerer reads a cited chunk's entities when it needs them."),
    "ASSISTANT_ENCODER_PRECISION": ("encoder_precision", "int8 (default): the ONNX encoders run an int8 variant of the export (weights per output channel, activations per token; made once from the export, kept beside it), 1.4-1.6 times as fast, vectors at cosine ~0.998 to fp32; fp32: the export as is. A store records the precision it was made with and keeps it (later ingests and the questions over it use the store's), so a new value applies to new stores and to `ingest --full`."),
    "ASSISTANT_CACHE_DIR": ("cache_dir", "Where the one-time ONNX export of the model is kept, shared by every store (default: $XDG_CACHE_HOME/dialogue-assistant or ~/.cache/dialogue-assistant)."),
}


@dataclass(frozen=True)
class Settings:
    """All configuration of the assistant. Build it with `Settings.from_env()`."""

    corpus_dir: Path = field(default_factory=lambda: ROOT / "corpus")
    store_dir: Path = field(default_factory=lambda: ROOT / ".store")
    chroma_url: str | None = None
    collection: str = "dialogue"
    llm: str | None = None
    llm_timeout: float = 30.0
    auth: str | None = None
    allowed_hosts: str | None = None
    max_file_mb: float = 20.0
    max_doc_chars: int = 2_000_000
    max_doc_chunks: int = 5_000
    max_question_chars: int = 2_000
    top_k: int = 8
    embed_batch: int = 32
    query_encoder: str = "onnx"
    encoder: str = "onnx"
    ingest_ner: str = "on"
    encoder_precision: str = "int8"
    cache_dir: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = None) -> Settings:
        """Settings from `env` (default: `os.environ`) over an optional `.env` file.

        Values in `env` win over the `.env` file; unknown variables are ignored.
        """
        if env is None:
            env = os.environ
        merged: dict[str, str] = {}
        dotenv = dotenv if dotenv is not None else ROOT / ".env"
        if dotenv.is_file():
            merged.update(read_dotenv(dotenv))
        merged.update({k: v for k, v in env.items() if k in VARIABLES})
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, object] = {}
        for name, raw in merged.items():
            if name not in VARIABLES or raw == "":
                continue
            attr = VARIABLES[name][0]
            values[attr] = _convert(name, raw, types[attr])
        return cls(**values)

    @property
    def max_file_bytes(self) -> int:
        """The file size limit in bytes: `max_file_mb` MiB (one unit for ingest, upload, server)."""
        return int(self.max_file_mb * MIB)

    def question_problem(self, question: str) -> str | None:
        """Why `question` is refused before any analysis (too long), or None when it is fine.

            >>> Settings(max_question_chars=10).question_problem("x" * 11)
            'The question is 11 characters long; the limit is 10. Please shorten it.'
        """
        n = len(question or "")
        if n > self.max_question_chars:
            return (f"The question is {n:,} characters long; the limit is "
                    f"{self.max_question_chars:,}. Please shorten it.")
        return None

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (paths given as str become Path)."""
        for key in ("corpus_dir", "store_dir", "cache_dir"):
            if key in changes and changes[key] is not None:
                changes[key] = Path(changes[key])  # type: ignore[arg-type]
        return replace(self, **changes)  # type: ignore[arg-type]


def _convert(name: str, raw: str, type_: object) -> object:
    text = str(type_)
    try:
        if "Path" in text:
            return Path(raw).expanduser()
        if text.startswith("float"):
            return float(raw)
        if text.startswith("int"):
            return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r}: {exc}") from None
    return raw


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines of a .env file (comments and blank lines ignored)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out
