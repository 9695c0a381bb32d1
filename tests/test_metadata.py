"""Document metadata as the text states it, exactly, on the seeds and on common phrasings."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from ingest.loaders import load
from ingest.metadata import extract_meta, parse_date
from ingest.model import DocMeta


def test_seed_001_meeting_report():
    assert load(SEEDS["001"], "001.txt").meta == DocMeta(
        title="Budapest Process — 32nd Senior Officials Meeting",
        process="Budapest Process",
        meeting_type="Senior Officials Meeting",
        date="2022-12-01",
        year=2022,
        location="Istanbul, Türkiye",
    )


def test_seed_004_newsletter():
    meta = load(SEEDS["004"], "004.txt").meta
    assert meta.process == "Prague Process"
    assert meta.meeting_type == "Newsletter"
    assert (meta.date, meta.year, meta.location) == ("2010-12-15", 2010, "Brussels")
    assert meta.title == "What is the Prague Process (“Building Migration Partnerships”)"


def test_seed_000_online_meeting_without_date():
    assert load(SEEDS["000"], "000.txt").meta == DocMeta(
        title="Annual Budapest Process Senior Officials Meeting",
        process="Budapest Process",
        meeting_type="Senior Officials Meeting",
        date="",
        year=0,
        location="online",
    )


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Date: 1st December, 2022", "2022-12-01"),
        ("held on 15 December 2010 in Brussels", "2010-12-15"),
        ("on 1 December 2022", "2022-12-01"),
        ("on December 1, 2022", "2022-12-01"),
        ("from 11-14 October 2010", "2010-10-11"),
        ("on 2019-03-04", "2019-03-04"),
        ("on 3 Sept. 2015", "2015-09-03"),
        ("in 2020 and 2021", ""),
        ("on 31 February 2020", "2020-02-31"),  # as stated; not validated against the calendar
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_labels_win_and_month_only_date():
    meta = extract_meta(
        "Khartoum Process meeting\n\nDate: March 2016\n\nVenue: Rome, Italy\n\n"
        "It was held in Paris on 3 May 2015.",
        ["Khartoum Process meeting"],
        "k.txt",
    )
    assert (meta.date, meta.year, meta.location, meta.process) == (
        "2016-03", 2016, "Rome, Italy", "Khartoum Process",
    )


def test_location_from_prose_and_most_frequent_process():
    text = (
        "The Rabat Process working group meeting took place in Dakar, Senegal on 4 May 2018. "
        "The Rabat Process and the Khartoum Process met. The Rabat Process thanked Senegal."
    )
    meta = extract_meta(text, [], "r.txt")
    assert meta.location == "Dakar, Senegal"
    assert meta.process == "Rabat Process"
    assert meta.meeting_type == "Working Group meeting"
    assert meta.title.startswith("The Rabat Process working group meeting")


def test_nothing_stated_nothing_invented():
    meta = extract_meta("Some notes about cooperation.", [], "notes.txt")
    assert (meta.process, meta.meeting_type, meta.date, meta.year, meta.location) == (
        "", "", "", 0, "",
    )
    assert meta.title == "Some notes about cooperation."
