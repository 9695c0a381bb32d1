"""The Chroma store: two collections, opened embedded or on a Chroma server.

* `<name>_chunks`: one record per chunk. id = content-derived chunk id; document = the chunk text
  (exactly `document_text[start:end]`); embedding = the chunk embedded with its document's
  title, date and place; metadata = flat scalars (see `CHUNK_KEYS`).
* `<name>_docs`: one record per source file. id = the source path relative to the corpus;
  document = the document's cleaned text; metadata = fingerprint, status and the document
  metadata. It is the reindex bookkeeping *and* the library the UI lists. Its embedding is a
  1-dimensional placeholder: nothing searches it by vector.

Chroma's default embedding function downloads a model, so neither collection has one: vectors
are always passed in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlparse

from .settings import Settings

CHUNK_KEYS = (
    "source", "fingerprint", "chunk_index", "n_chunks", "start", "end", "page", "section",
    "title", "process", "meeting_type", "date", "year", "location", "units", "unit_vecs",
    "ents",
)
DOC_KEYS = (
    "source", "fingerprint", "status", "size", "mtime_ns", "n_chunks", "title", "process",
    "meeting_type", "date", "year", "location", "format", "pages",
)
PENDING, DONE = "pending", "done"
# A record in the docs collection whose value changes with every write to the index, so a
# reader can tell "nothing changed" with one small read (no source can have this name: it has
# no supported extension).
GENERATION_ID = "__generation__"
PAGE = 500  # records per Chroma get() call when paging through a collection
# Bookkeeping records in the docs collection (the change marker, writer leases) carry this
# status; they are never documents.
META = "meta"
LEASE_PREFIX = "__lease__:"


def open_client(settings: Settings):
    """A Chroma client: HTTP when `chroma_url` is set, else persistent in `store_dir/chroma`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ValueError(f"ASSISTANT_CHROMA_URL={settings.chroma_url!r} is not a URL like http://host:8000")
        # httpx logs every request at INFO: thousands of lines per ingest drown the real notes.
        quiet = logging.getLogger("httpx")
        if quiet.level == logging.NOTSET:
            quiet.setLevel(logging.WARNING)
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = settings.store_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class Store:
    """Both collections of one index. Cheap to construct; connects on first use.

        >>> store = Store(Settings.from_env())
        >>> store.doc_records()          # {source: metadata}
    """

    def __init__(self, settings: Settings, client: Any = None):
        self.settings = settings
        self._client = client
        self._chunks = None
        self._docs = None
        self._lock = threading.Lock()

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                self._client = open_client(self.settings)
            return self._client

    def _collection(self, suffix: str):
        # A new collection records what its vectors are (Chroma ignores the metadata of one
        # that exists): questions must be encoded the same way (`encoder_precision`).
        made = "fp32" if self.settings.encoder == "torch" else self.settings.encoder_precision
        return self.client.get_or_create_collection(
            name=f"{self.settings.collection}_{suffix}",
            metadata={"hnsw:space": "cosine", "encoder_precision": made},
            embedding_function=None,
        )

    def encoder_precision(self) -> str:
        """The precision of the encoder this store's vectors come from, as recorded when it was
        made; stores made before it was recorded hold fp32 vectors."""
        return str((self.chunks.metadata or {}).get("encoder_precision", "fp32"))

    def with_its_encoder(self, settings: Settings) -> Settings:
        """`settings` with the precision this store's vectors were made with (a store keeps
        them whatever ASSISTANT_ENCODER_PRECISION says later; `ingest --full` remakes it)."""
        return settings.with_(encoder_precision=self.encoder_precision())

    @property
    def chunks(self):
        if self._chunks is None:
            self._chunks = self._collection("chunks")
        return self._chunks

    @property
    def docs(self):
        if self._docs is None:
            self._docs = self._collection("docs")
        return self._docs

    def reset(self) -> None:
        """Drop both collections (used by `ingest --full`)."""
        for suffix in ("chunks", "docs"):
            try:
                self.client.delete_collection(f"{self.settings.collection}_{suffix}")
            except Exception:  # noqa: BLE001 - absent collection
                pass
        self._chunks = self._docs = None

    # --- reading -------------------------------------------------------------------------

    def doc_records(self) -> dict[str, dict]:
        """Every document record's metadata, by source."""
        out: dict[str, dict] = {}
        for ids, metas, _ in iter_collection(self.docs, include=["metadatas"]):
            for i, m in zip(ids, metas, strict=True):
                if i != GENERATION_ID and (m or {}).get("status") != META:
                    out[i] = dict(m or {})
        return out

    def generation(self) -> str | None:
        """The index's change marker (None for a store written before markers existed)."""
        got = self.docs.get(ids=[GENERATION_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        return str(metas[0].get("generation")) if metas and metas[0] else None

    def bump_generation(self) -> None:
        """Record that the index changed (every ingest write calls this)."""
        import uuid

        self.docs.upsert(ids=[GENERATION_ID], embeddings=[[1.0]],
                         metadatas=[{"generation": uuid.uuid4().hex, "status": META}])

    # --- writer leases (one writer per store on a Chroma server; see ingest/lock.py) ----------

    def leases(self) -> dict[str, dict]:
        """Every writer lease record, by scope ('all' or 'shard-I-of-N')."""
        got = self.docs.get(where={"kind": "lease"}, include=["metadatas"])
        return {i.removeprefix(LEASE_PREFIX): dict(m or {})
                for i, m in zip(got["ids"], got.get("metadatas") or [], strict=True)}

    def put_lease(self, scope: str, meta: dict) -> None:
        self.docs.upsert(ids=[LEASE_PREFIX + scope], embeddings=[[1.0]],
                         metadatas=[{**meta, "kind": "lease", "status": META}])

    def drop_lease(self, scope: str) -> None:
        self.docs.delete(ids=[LEASE_PREFIX + scope])

    def doc_text(self, source: str) -> str | None:
        got = self.docs.get(ids=[source], include=["documents"])
        docs = got.get("documents") or []
        return docs[0] if docs else None

    def state_digest(self, records: dict[str, dict] | None = None) -> str:
        """A digest of which files at which fingerprints the index holds: the keyword index
        and any other derived cache is valid exactly while this is unchanged."""
        records = self.doc_records() if records is None else records
        h = hashlib.sha256()
        for source in sorted(records):
            m = records[source]
            h.update(f"{source}\0{m.get('fingerprint')}\0{m.get('status')}\n".encode())
        return h.hexdigest()[:32]


def iter_collection(collection, include: list[str], where: dict | None = None,
                    page: int = PAGE) -> Iterator[tuple[list[str], list, list]]:
    """Page through a collection: yields (ids, metadatas, documents) per page."""
    offset = 0
    while True:
        got = collection.get(include=include, where=where, limit=page, offset=offset)
        ids = got["ids"]
        if not ids:
            return
        metas = got.get("metadatas") or [None] * len(ids)
        docs = got.get("documents") or [None] * len(ids)
        yield ids, metas, docs
        if len(ids) < page:
            return
        offset += len(ids)


def batched(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def dumps_units(units: Iterable[tuple[int, int, str]]) -> str:
    return json.dumps([[s, e, k] for s, e, k in units], separators=(",", ":"))


def loads_units(text: str | None) -> list[tuple[int, int, str]]:
    return [tuple(u) for u in json.loads(text)] if text else []  # type: ignore[misc]


def pack_vectors(vecs) -> str:
    """Unit vectors as a base64 float16 string: a flat scalar Chroma can keep in metadata."""
    import base64

    import numpy as np

    return base64.b64encode(np.asarray(vecs, dtype=np.float16).tobytes()).decode("ascii")


def unpack_vectors(text: str | None, dim: int = 384):
    import base64

    import numpy as np

    if not text:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(base64.b64decode(text), dtype=np.float16).reshape(-1, dim).astype(np.float32)
