"""Limits on what one document may cost: binary content, zip and stream bombs, text size.

Every check fails the one document with a `LoadError` naming the file and the reason; the run
goes on with the others.

    >>> binary_problem(b"\\x7fELF\\x02\\x01\\x01\\x00...")
    'binary content (NUL bytes), not text'
    >>> check_zip(data, "bomb.docx")        # LoadError before anything is inflated
"""

from __future__ import annotations

import io
import zipfile

from .model import LoadError

SAMPLE = 65536  # bytes looked at for the binary check
CONTROL_SHARE = 0.05  # more control characters than this (outside tab/newline/CR/FF) = binary
# .docx parts: python-docx and lxml inflate whole parts into memory, so the central directory's
# declared sizes are checked first. Python's zipfile never inflates past a member's declared
# size (a member that lies fails its CRC), so these bound what is inflated.
ZIP_MEMBER_MAX = 32 * 2**20
ZIP_TOTAL_MAX = 64 * 2**20
ZIP_RATIO_MAX = 100  # for members over ZIP_RATIO_FROM bytes; real Word XML compresses ~5-15x
ZIP_RATIO_FROM = 2**20
ZIP_MEMBERS_MAX = 2000
# Any compressed stream pypdf inflates.
PDF_STREAM_MAX = 32 * 2**20
BLOCKS_PER_CHUNK = 20  # paragraphs/rows allowed per permitted chunk before parsing stops

_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


def binary_problem(data: bytes) -> str | None:
    """Why `data` is not text (NUL bytes, or too many control characters), or None.

    UTF-16 with a byte-order mark is text (its NULs are half of each character).
    """
    head = data[:SAMPLE]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if b"\x00" in head:
        return "binary content (NUL bytes), not text"
    if head:
        controls = len(head) - len(head.translate(None, _CONTROL))
        if controls / len(head) > CONTROL_SHARE:
            return f"binary content ({controls / len(head):.0%} control characters), not text"
    return None


def check_zip(data: bytes, source: str) -> None:
    """Refuse a zip (a .docx) whose central directory declares too much before inflating any."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LoadError(source, f"corrupt .docx ({exc})") from None
    if len(members) > ZIP_MEMBERS_MAX:
        raise LoadError(source, f"zip with {len(members):,} parts (limit {ZIP_MEMBERS_MAX:,})")
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > ZIP_MEMBER_MAX:
            raise LoadError(source, f"part {m.filename!r} would inflate to {mib(m.file_size)}, over "
                                    f"the {mib(ZIP_MEMBER_MAX)} limit (zip bomb?)")
        if m.file_size > ZIP_RATIO_FROM and m.file_size > ZIP_RATIO_MAX * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise LoadError(source, f"part {m.filename!r} compresses {ratio:,.0f}:1 (limit "
                                    f"{ZIP_RATIO_MAX}:1; zip bomb?)")
    if total > ZIP_TOTAL_MAX:
        raise LoadError(source, f"parts would inflate to {mib(total)} in all, over the "
                                f"{mib(ZIP_TOTAL_MAX)} limit (zip bomb?)")


def pdf_limits():
    """A context manager bounding every stream pypdf inflates to PDF_STREAM_MAX bytes."""
    from pypdf import apply_configuration

    return apply_configuration(
        zlib_maximum_output_length=PDF_STREAM_MAX, lzw_maximum_output_length=PDF_STREAM_MAX,
        run_length_maximum_output_length=PDF_STREAM_MAX, brotli_maximum_output_length=PDF_STREAM_MAX,
        array_based_stream_maximum_output_length=PDF_STREAM_MAX,
        maximum_declared_stream_length=PDF_STREAM_MAX, stream_decoding_work_maximum_length=4 * PDF_STREAM_MAX,
    )


class TextBudget:
    """Counts the text and blocks a parser produces; `LoadError` as soon as either limit passes,
    so a document that explodes on parsing stops early instead of after minutes.

        >>> budget = TextBudget("big.docx", max_chars=2_000_000, max_blocks=100_000)
        >>> budget.add(paragraph_text)
    """

    def __init__(self, source: str, max_chars: int, max_blocks: int | None = None):
        self.source = source
        self.max_chars = max_chars
        self.max_blocks = max_blocks
        self.chars = 0
        self.blocks = 0

    def add(self, text: str) -> None:
        self.chars += len(text)
        self.blocks += 1
        if self.chars > self.max_chars:
            raise too_much_text(self.source, self.chars, self.max_chars, partial=True)
        if self.max_blocks is not None and self.blocks > self.max_blocks:
            raise LoadError(self.source, f"more than {self.max_blocks:,} paragraphs, rows and items "
                                         "(ASSISTANT_MAX_DOC_CHUNKS bounds them)")


def too_much_text(source: str, n: int, limit: int, *, partial: bool = False) -> LoadError:
    more = "more than " if partial else ""
    return LoadError(source, f"{more}{n:,} characters of text, over the limit of {limit:,} per "
                             "document (ASSISTANT_MAX_DOC_CHARS)")


def mib(n: int) -> str:
    """A byte count in MiB, the one size unit the project uses."""
    v = n / 2**20
    return f"{v:,.0f} MiB" if v >= 100 else f"{v:.3g} MiB"
