"""Every format from real files: text, blocks, pages, metadata, and clear errors for bad input."""

from __future__ import annotations

import docx
import pytest
from conftest import DATA, SEEDS, make_pdf
from pypdf import PdfReader, PdfWriter

from ingest.loaders import SUPPORTED, load
from ingest.model import EmptyDocument, LoadError


def texts(doc, kind):
    return [doc.text[b.start : b.end] for b in doc.blocks if b.kind == kind]


def test_supported_formats():
    assert SUPPORTED == {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}


@pytest.mark.parametrize("key", sorted(SEEDS))
def test_seeds_load_with_consistent_blocks(key):
    doc = load(SEEDS[key], SEEDS[key].name)
    assert doc.format == "txt" and doc.pages == () and doc.warnings == ()
    assert doc.text == doc.text.strip() and "\r" not in doc.text
    last = 0
    for b in doc.blocks:
        span = doc.text[b.start : b.end]
        assert b.start >= last and span == span.strip() and span, b
        assert not span.startswith(("- ", "• ")), b
        last = b.end


def test_seed_001_structure():
    doc = load(SEEDS["001"], "001.txt")
    assert texts(doc, "heading") == ["Budapest Process", "32nd Senior Officials Meeting", "Report"]
    items = texts(doc, "item")
    assert len(items) == 10
    assert items[0] == (
        "Hold a 7th ministerial conference (introduce a new Ministerial Declaration and Call for "
        "Action);"
    )
    paras = texts(doc, "paragraph")
    assert paras[:2] == ["Date: 1st December, 2022", "Location: Istanbul, Türkiye"]
    assert [p.split(".")[0] for p in paras[2:]] == [str(n) for n in range(1, 15)]


def test_markdown_file(tmp_path):
    doc = load(DATA / "sample.md", "sample.md")
    assert doc.format == "md"
    assert texts(doc, "heading") == ["Rabat Process — Thematic Meeting on Legal Migration", "Summary"]
    assert texts(doc, "item")[1] == (
        "Share data on labour markets; see the portal (https://example.org/portal) or write to "
        "info@example.org"
    )
    assert texts(doc, "row") == [
        "Activity: Workshop on labour migration | Date: 3 June | Place: Rabat",
        "Activity: Senior Officials Meeting | Date: 4 November | Place: Madrid",
    ]
    assert (doc.meta.date, doc.meta.location) == ("2019-03-12", "Dakar, Senegal")


def test_html_file_drops_script_style_nav():
    doc = load(DATA / "sample.html", "sample.html")
    assert doc.format == "html"
    for gone in ("console.log", "color: red", "Home", "About"):
        assert gone not in doc.text
    assert texts(doc, "heading") == ["MTM Dialogue Expert Meeting", "Conclusions"]
    assert texts(doc, "item") == ["More data sharing;", "Joint trainings", "for border guards"]
    assert texts(doc, "row") == ["Country: Austria | Experts: 5", "Country: Italy | Experts: 4"]
    assert "The expert meeting took place in Vienna on 5 October 2021." in doc.text
    assert "Contact: mtm@example.org" in texts(doc, "paragraph")
    assert "Website: MTM site (https://example.org/mtm)" in texts(doc, "paragraph")
    assert (doc.meta.process, doc.meta.date, doc.meta.location) == (
        "MTM Dialogue", "2021-10-05", "Vienna",
    )


def test_pdf_pages_and_reflow(pdf_factory):
    path = pdf_factory(
        [
            [
                "Prague Process",
                "",
                "The meeting took place in Brussels on 15 December 2010. It gathered the",
                "delegations of 40 countries. Dr. Smith spoke on migra-",
                "tion routes.",
                "Decisions",
                "\u2022 Yes to a Ministerial Conference in Poland",
                "\u2022 Yes to Belarus",
            ],
            ["Second page text about the Action Plan."],
        ]
    )
    doc = load(path, "doc.pdf")
    assert doc.format == "pdf"
    assert texts(doc, "heading") == ["Prague Process", "Decisions"]
    assert texts(doc, "paragraph")[0] == (
        "The meeting took place in Brussels on 15 December 2010. It gathered the delegations of "
        "40 countries. Dr. Smith spoke on migration routes."
    )
    assert texts(doc, "item") == ["Yes to a Ministerial Conference in Poland", "Yes to Belarus"]
    assert [p[2] for p in doc.pages] == [1, 2]
    assert doc.pages[0][0] == 0 and doc.pages[-1][1] == len(doc.text)
    assert doc.pages[0][1] == doc.pages[1][0]
    second = doc.text.index("Second page")
    assert doc.page_at(second) == 2 and doc.page_at(doc.text.index("Belarus")) == 1
    assert (doc.meta.process, doc.meta.date, doc.meta.location) == (
        "Prague Process", "2010-12-15", "Brussels",
    )


def test_pdf_encrypted(tmp_path, pdf_factory):
    writer = PdfWriter(clone_from=PdfReader(pdf_factory([["Secret text."]])))
    writer.encrypt("secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match=r"encrypted PDF \(password protected\)") as info:
        load(path, "locked.pdf")
    assert info.value.path == "locked.pdf"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (make_pdf([["Some text here."]])[:200], "truncated or corrupt PDF"),
        (bytes(range(256)) * 8, "not a PDF file"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", "corrupt PDF"),
    ],
    ids=["truncated", "random", "garbage-body"],
)
def test_pdf_broken(tmp_path, data, problem):
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(LoadError, match=problem):
        load(path, "bad.pdf")


def test_pdf_without_text_is_empty(pdf_factory):
    with pytest.raises(EmptyDocument, match="no text"):
        load(pdf_factory([[], []]), "scan.pdf")


def make_docx(path):
    d = docx.Document()
    d.add_heading("Budapest Process Ministerial Conference", 0)
    d.add_heading("Outcomes", 1)
    d.add_paragraph("The conference was held in Istanbul on 20 February 2019. Ms. X spoke.")
    d.add_paragraph("First commitment", style="List Bullet")
    d.add_paragraph("Second commitment", style="List Bullet")
    table = d.add_table(rows=3, cols=2)
    for i, row in enumerate([("Date", "Event"), ("3 March", "Workshop"), ("4 May", "SOM")]):
        for j, value in enumerate(row):
            table.cell(i, j).paragraphs[0].add_run(value).bold = i == 0
    d.save(path)
    return path


def test_docx(tmp_path):
    doc = load(make_docx(tmp_path / "a.docx"), "a.docx")
    assert doc.format == "docx"
    assert texts(doc, "heading") == ["Budapest Process Ministerial Conference", "Outcomes"]
    assert texts(doc, "item") == ["First commitment", "Second commitment"]
    assert texts(doc, "row") == ["Date: 3 March | Event: Workshop", "Date: 4 May | Event: SOM"]
    assert doc.meta.title == "Budapest Process Ministerial Conference"
    assert (doc.meta.meeting_type, doc.meta.date, doc.meta.location) == (
        "Ministerial Conference", "2019-02-20", "Istanbul",
    )


@pytest.mark.parametrize("cut", [300, 2000], ids=["not-a-zip", "truncated-zip"])
def test_docx_corrupt(tmp_path, cut):
    data = make_docx(tmp_path / "a.docx").read_bytes()
    path = tmp_path / "bad.docx"
    path.write_bytes(data[:cut])
    with pytest.raises(LoadError, match="corrupt .docx"):
        load(path, "bad.docx")


def test_encoding_fallback_cp1252_with_warning(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Réunion à Genève – “SOM” on 3 May 2011.".encode("cp1252"))
    doc = load(path, "old.txt")
    assert doc.text == "Réunion à Genève – “SOM” on 3 May 2011."
    assert doc.warnings == ("not valid UTF-8; decoded as cp1252",)


def test_utf8_bom_crlf_and_nfc(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "Title\r\n\r\nCafe\u0301 line one.\r\nline two.".encode())
    doc = load(path, "bom.txt")
    assert doc.text == "Title\n\nCaf\u00e9 line one. line two."
    assert doc.warnings == ()


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as fh:
        fh.truncate(50_000_000)
    with pytest.raises(LoadError, match=r"file is 47.7 MiB, over the 20 MiB limit"):
        load(path, "big.txt")
    with pytest.raises(LoadError, match=r"file is 47.7 MiB, over the 10 MiB limit"):
        load(path, "big.txt", max_bytes=10 * 2**20)
    small = tmp_path / "small.txt"
    small.write_text("x" * 2000)
    with pytest.raises(LoadError, match="over the 0.000954 MiB limit"):
        load(small, "small.txt", max_bytes=1000)


@pytest.mark.parametrize("content", [b"", b"  \n\n\t ", b"<p> </p>"])
def test_empty_documents(tmp_path, content):
    path = tmp_path / "empty.html"
    path.write_bytes(content)
    with pytest.raises(EmptyDocument):
        load(path, "empty.html")


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(LoadError, match="cannot read"):
        load(tmp_path / "nope.txt", "nope.txt")
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(LoadError, match="unsupported file type"):
        load(tmp_path / "x.xlsx", "x.xlsx")
