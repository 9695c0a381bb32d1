"""What ingest writes to the store: chunk ids, chunk and document metadata, removals, shards.

    >>> chunk_id("2022/som.txt", 0, "Budapest Process | 2022-12-01\\n1. The meeting ...")
    '5f1c...'            # 32 hex digits: same source, position and embedded text -> same id
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.store import Store, batched, dumps_units

from .model import Chunk, ParsedDocument
from .walk import FileEntry

REMOVE_BATCH = 100  # sources per delete call


def chunk_id(source: str, index: int, text: str) -> str:
    """Content-derived chunk id: same source, position and embedded text -> same id."""
    return hashlib.sha256(f"{source}\0{index}\0{text}".encode()).hexdigest()[:32]


def file_fingerprint(path: Path) -> str:
    """sha256 of the file's bytes, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def chunk_metadata(doc: ParsedDocument, chunk: Chunk, fingerprint: str, n_chunks: int) -> dict:
    """A chunk's flat metadata (CHUNK_KEYS); `unit_vecs` is filled in after embedding."""
    m = doc.meta
    return {
        "source": doc.source,
        "fingerprint": fingerprint,
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "start": chunk.start,
        "end": chunk.end,
        "page": chunk.page if chunk.page is not None else -1,
        "section": chunk.section or "",
        **meta_fields(m),
        "units": dumps_units((u.start, u.end, u.kind) for u in chunk.units),
        "unit_vecs": "",
    }


def meta_fields(m) -> dict:
    """The document metadata every chunk and document record carries (flat scalars)."""
    return {"title": m.title or "", "process": m.process or "", "meeting_type": m.meeting_type or "",
            "date": m.date or "", "year": int(m.year or 0), "location": m.location or ""}


def doc_metadata(doc: ParsedDocument, f: FileEntry, fingerprint: str, n_chunks: int,
                 status: str) -> dict:
    """A document record's flat metadata (DOC_KEYS)."""
    m = doc.meta
    return {
        "source": f.source,
        "fingerprint": fingerprint,
        "status": status,
        "size": f.size,
        "mtime_ns": f.mtime_ns,
        "n_chunks": n_chunks,
        **meta_fields(m),
        "format": doc.format or "",
        "pages": max((p[2] for p in doc.pages), default=0),
    }


def remove_sources(store: Store, sources: list[str]) -> None:
    """Delete the sources' chunks, then their records (in that order: a crash between the two
    leaves records without chunks, which the next run removes again)."""
    for part in batched(sorted(sources), REMOVE_BATCH):
        store.chunks.delete(where={"source": {"$in": part}})
        store.docs.delete(ids=part)
    if sources:
        store.bump_generation()


def shard_of(source: str, n: int) -> int:
    """The shard (0..n-1) a source belongs to: stable across runs, processes and machines."""
    return int(hashlib.sha1(source.encode("utf-8")).hexdigest(), 16) % n
