"""The distractor generator: deterministic, never names the seeds' processes or repeats their
distinguishing facts, and writes files the ingest loader reads cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.gen_corpus import generate, generate_one, main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").iterdir())

# Names and facts only the seeds may carry.
SEED_ONLY = (
    "Budapest Process", "Prague Process", "BMP", "COLEP", "Building Migration Partnerships",
    "Savaş Ünlü", "Ünlü", "Seçilmiş", "Tóthi", "Spindelegger", "Lehoczki", "Pluim", "Pesta",
    "Sá Carvalho", "Bělonožník", "Žák", "32nd Senior Officials Meeting",
    "Work Plan for 2011",
)


def read_all(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_arguments_give_byte_identical_files(tmp_path):
    generate(tmp_path / "a", 40, seed=3)
    main([str(tmp_path / "b"), "--n", "40", "--seed", "3"])
    a, b = read_all(tmp_path / "a"), read_all(tmp_path / "b")
    assert len(a) == 40 and a == b
    generate(tmp_path / "c", 40, seed=4)
    assert read_all(tmp_path / "c") != a


def test_a_larger_n_only_adds_files(tmp_path):
    generate(tmp_path / "small", 10)
    generate(tmp_path / "large", 25)
    small, large = read_all(tmp_path / "small"), read_all(tmp_path / "large")
    assert all(large[name] == data for name, data in small.items())


def test_names_look_like_the_seeds_and_mix_formats():
    names = [generate_one(0, i)[0] for i in range(300)]
    assert len(set(names)) == 300
    assert all(re.fullmatch(r"\d{3}_[0-9a-f]{16}\.(txt|md|html)", n) for n in names)
    assert {n.rsplit(".", 1)[1] for n in names} == {"txt", "md", "html"}
    assert not {n for n in names} & {p.name for p in SEEDS}


def test_distractors_never_name_the_seed_processes_or_their_facts():
    texts = [generate_one(0, i)[1] for i in range(300)]
    for text in texts:
        for needle in SEED_ONLY:
            assert needle not in text, needle
        # The seeds' exact meeting headers: Istanbul in 2022, Brussels in 2010.
        assert not re.search(r"Date: [^\n<]*2022\W+(<p>)?Location: Istanbul", text)
        assert not re.search(r"Brussels on \d+ \w+ 2010", text)


def test_distractors_share_the_seed_vocabulary():
    text = "\n".join(generate_one(0, i)[1] for i in range(300))
    for shared in ("Senior Officials Meeting", "SOM Decisions", "Chairmanship's Proposals",
                   "Extended Migration Profiles", "Reference Group", "participants from",
                   "<b>", "<sup>", "<i>", "**", "\t", "Istanbul",
                   "Director General at ICMPD", "invite new countries such as"):
        assert shared in text, shared


def test_with_seeds_copies_the_seed_corpus(tmp_path):
    generate(tmp_path, 3, with_seeds=True)
    files = read_all(tmp_path)
    assert len(files) == 3 + len(SEEDS)
    assert all(files[p.name] == p.read_bytes() for p in SEEDS)


def test_the_ingest_loader_reads_every_format_cleanly(tmp_path):
    loaders = pytest.importorskip("ingest.loaders", reason="ingest's loader is not committed yet")
    paths = [p for p in generate(tmp_path, 30) if p.suffix != ".txt"][:6]
    paths += [p for p in tmp_path.iterdir() if p.suffix == ".txt"][:4]
    assert {p.suffix for p in paths} == {".txt", ".md", ".html"}
    for p in paths:
        doc = loaders.load(p, p.name)
        assert "Senior Officials" in doc.text
        for markup in ("**", "<b>", "<i>", "<sup>", "<li>", "](mailto"):
            assert markup not in doc.text, (p.name, markup)
        assert doc.meta.process not in ("Budapest Process", "Prague Process")
