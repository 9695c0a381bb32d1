"""Hostile and careless inputs for ingest, generated on the fly (never committed).

Each generator writes one file and returns its path; sizes are parameters so tests can stay
small and `bench/hostile.py` can use the sizes the issue names.

    >>> docx_bomb(tmp / "bomb.docx", inflated=2**30)     # ~1 MB on disk, 1 GiB declared
"""

from __future__ import annotations

import os
import random
import zipfile
import zlib
from pathlib import Path

_CT = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       b'<Default Extension="xml" ContentType="application/xml"/>'
       b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
       b'officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(path: Path, body_parts, *, level: int = 6) -> Path:
    """A .docx whose word/document.xml is the concatenation of `body_parts` (bytes chunks)."""
    def member(name: str) -> zipfile.ZipInfo:  # fixed times: same content, same bytes
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr(member("[Content_Types].xml"), _CT)
        z.writestr(member("_rels/.rels"), _RELS)
        with z.open(member("word/document.xml"), "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ' + _W
                     + b"><w:body>")
            for part in body_parts:
                fh.write(part)
            fh.write(b"</w:body></w:document>")
    return path


def _para(text: str) -> bytes:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def docx_bomb(path: Path, inflated: int = 2**30) -> Path:
    """A zip bomb named .docx: one paragraph, then `inflated` bytes of whitespace."""
    block = b" " * 2**20
    return _docx(path, [_para("Bomb."), *(block for _ in range(inflated // 2**20))], level=9)


def docx_paragraphs(path: Path, n: int = 2_000_000, text: str = "x") -> Path:
    """A small .docx that explodes on parsing: `n` tiny paragraphs."""
    p = _para(text)
    return _docx(path, (p * 10_000 for _ in range(max(1, n // 10_000))), level=9)


def docx_text(path: Path, paragraphs: list[str]) -> Path:
    return _docx(path, [_para(t) for t in paragraphs])


def docx_nested_table(path: Path, inner_text: str) -> Path:
    """A .docx made only of a table inside a table cell."""
    inner = (b"<w:tbl><w:tr><w:tc>" + _para(inner_text) + b"</w:tc></w:tr></w:tbl>")
    outer = b"<w:tbl><w:tr><w:tc>" + inner + _para("") + b"</w:tc></w:tr></w:tbl>"
    return _docx(path, [outer])


def pdf_bomb(path: Path, inflated: int = 256 * 2**20) -> Path:
    """A PDF whose one content stream (FlateDecode) inflates to `inflated` bytes."""
    comp = zlib.compressobj(9)
    head = b"BT /F1 11 Tf 56 780 Td (Bomb.) Tj ET\n"
    parts = [comp.compress(head)]
    block = b" " * 2**20
    parts += [comp.compress(block) for _ in range(inflated // 2**20)]
    parts.append(comp.flush())
    stream = b"".join(parts)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def one_line_txt(path: Path, size: int, word: str = "migration ") -> Path:
    """One line of `size` bytes made of `word` repeated (no sentence end)."""
    path.write_text((word * (size // len(word) + 1))[:size], encoding="utf-8")
    return path


def one_word_txt(path: Path, size: int) -> Path:
    """A single `size`-character word."""
    path.write_text("a" * size, encoding="utf-8")
    return path


def big_html(path: Path, size: int) -> Path:
    """An HTML page of about `size` bytes of ordinary paragraphs."""
    rng = random.Random(11)
    words = "the meeting of senior officials agreed on migration partnership dialogue".split()
    para = "<p>" + " ".join(rng.choice(words) for _ in range(60)) + ".</p>\n"
    path.write_text("<html><body><h1>Big</h1>\n" + para * (size // len(para) + 1)
                    + "</body></html>", encoding="utf-8")
    return path


def random_txt(path: Path, size: int = 2**20) -> Path:
    """Random bytes named .txt."""
    path.write_bytes(random.Random(4).randbytes(size))
    return path


def renamed_binary(path: Path, binary: str = "/bin/ls") -> Path:
    """An executable named .txt."""
    path.write_bytes(Path(binary).read_bytes())
    return path


def nested_table_html(path: Path, inner_text: str) -> Path:
    path.write_text("<html><body><table><tr><td><table><tr><td>" + inner_text
                    + "</td></tr></table></td></tr></table></body></html>", encoding="utf-8")
    return path


def write_all(folder: Path, *, scale: float = 1.0) -> dict[str, Path]:
    """The issue's hostile inputs in `folder` (scale < 1 shrinks the big ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    s = lambda n: max(2**20, int(n * scale))  # noqa: E731
    out = {
        "docx zip bomb, 1 GiB": docx_bomb(folder / "bomb_1g.docx", s(2**30)),
        "docx zip bomb, 4 GiB": docx_bomb(folder / "bomb_4g.docx", s(4 * 2**30)),
        "docx, 2 M paragraphs": docx_paragraphs(folder / "paras.docx", int(2_000_000 * scale)),
        "pdf, stream bomb 256 MiB": pdf_bomb(folder / "bomb.pdf", s(256 * 2**20)),
        "html, 19 MB": big_html(folder / "big.html", s(19_000_000)),
        "txt, 20 MB one line": one_line_txt(folder / "one_line.txt", s(19_900_000)),
        "txt, 1.9 MB one word": one_word_txt(folder / "one_word.txt", s(1_900_000)),
        "txt, 1 MiB random bytes": random_txt(folder / "random.txt"),
        "txt, /bin/ls renamed": renamed_binary(folder / "ls.txt"),
        "html, nested tables": nested_table_html(folder / "nested.html",
                                                 "The meeting gathered 64 participants."),
    }
    return {k: v for k, v in out.items() if os.path.getsize(v) > 0}
