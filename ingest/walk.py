"""Find the files of a corpus: deterministic, symlink-loop safe, hidden and odd files noted.

    >>> found = walk_corpus(Path("corpus"), extensions={".txt", ".pdf"})
    >>> [f.source for f in found.files]          # sorted, relative, "/"-separated
    ['000_dee6c97f22f75511.txt', ...]

Nothing here reads file contents: a walk is a directory listing plus one `stat` per entry, so
a no-change reindex stays cheap.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})  # what the loaders read


def supported_extensions() -> tuple[str, ...]:
    """The suffixes the loaders read (lower case, with the dot), sorted."""
    return tuple(sorted(SUPPORTED))


@dataclass(frozen=True)
class FileEntry:
    """A candidate document: `source` is its path relative to the corpus root, with '/'."""

    source: str
    path: Path
    size: int
    mtime_ns: int


@dataclass
class WalkResult:
    files: list[FileEntry] = field(default_factory=list)
    # (source, why): hidden, unsupported, empty, symlink loops. Not errors.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # (source, error): entries that exist but cannot be read (e.g. a folder without permission).
    failed: list[tuple[str, str]] = field(default_factory=list)


def walk_corpus(root: Path, *, extensions: Collection[str]) -> WalkResult:
    """All files under `root` whose suffix (lower-cased) is in `extensions`, sorted by source.

    Directory symlinks are followed, but never into a folder already visited, so a link back
    to an ancestor (a loop) or a second link to the same folder is noted once and skipped.
    A symlink whose target lies outside the corpus folder is skipped with a note, and a name
    that is not valid UTF-8 fails (its source shows the bad bytes as surrogate escapes).
    """
    out = WalkResult()
    root = Path(root)
    st = os.stat(root)
    visited = {(st.st_dev, st.st_ino)}
    exts = {e.lower() for e in extensions}
    _walk_dir(root, "", exts, visited, out, os.path.realpath(root))
    out.files.sort(key=lambda f: f.source)
    out.skipped.sort()
    out.failed.sort()
    return out


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def _walk_dir(folder: Path, prefix: str, exts: set[str], visited: set, out: WalkResult,
              top: str) -> None:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        out.failed.append((prefix.rstrip("/") or ".", f"cannot list folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        source = prefix + entry.name
        if entry.name.startswith("."):
            out.skipped.append((source, "hidden"))
            continue
        if entry.name.startswith("~$"):
            out.skipped.append((source, "office lock file"))
            continue
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            out.failed.append((source, "the file name is not valid UTF-8; rename it"))
            continue
        if entry.is_symlink() and not _inside(os.path.realpath(entry.path), top):
            out.skipped.append((source, "symlink to a place outside the corpus folder"))
            continue
        try:
            st = os.stat(entry.path)  # follows symlinks; ELOOP / ENOENT for bad links
        except OSError as exc:
            if entry.is_symlink():
                out.skipped.append((source, f"broken or looping symlink ({exc.strerror})"))
            else:
                out.failed.append((source, f"cannot stat: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in visited:
                out.skipped.append((source, "symlink loop: folder already visited"))
                continue
            visited.add(key)
            _walk_dir(Path(entry.path), source + "/", exts, visited, out, top)
        elif stat.S_ISREG(st.st_mode):
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix not in exts:
                out.skipped.append((source, f"unsupported type {suffix or '(no extension)'}"))
            elif st.st_size == 0:
                out.skipped.append((source, "empty file"))
            else:
                out.files.append(FileEntry(source, Path(entry.path), st.st_size, st.st_mtime_ns))
        else:
            out.skipped.append((source, "not a regular file"))
