"""Document metadata as the text states it, exactly, on the seeds and on common phrasings."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from assistant.nlp import load_nlp
from bench.meta_eval import (
    DEV_FOLDS,
    evaluate,
    fold_of,
    same_date,
    same_location,
    same_meeting_type,
    same_process,
)
from ingest.loaders import load
from ingest.meta_names import defined_acronyms
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
        ("from 30 November - 2 December 2018", "2018-11-30"),
        ("November 30 to December 2, 2018", "2018-11-30"),
        ("the 14th and 15th of November 2018", "2018-11-14"),
        ("Publication date 18.06.2018", "2018-06-18"),
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


# --- Real-page phrasings (texts written for these tests) -----------------------------------


def _meta(text: str):
    return extract_meta(text, [], "t.txt")


def test_a_founding_date_is_not_the_meetings():
    """A news page whose only full date is its dialogue's founding ("set up in December
    2000") has no meeting date, and beside the meeting's date the founding one does not win."""
    alone = ("MIDWA meets to combat irregular migration\n\n"
             "A three-day MIDWA meeting opens today in Abidjan, Côte d'Ivoire.\n"
             "MIDWA was set up in December 2000 with the support of IOM.\n")
    assert extract_meta(alone, [], "midwa.txt").date == ""
    beside = ("GFMD meeting\n\nSince its inception in January 2007 the GFMD has met every year. "
              "The forum meeting was held in Stockholm on 14-16 May 2014.\n")
    assert extract_meta(beside, [], "gfmd.txt").date == "2014-05-14"


def test_meeting_stated_in_first_sentence():
    meta = _meta(
        "Fifth Ministerial Conference of the Budapest Process\n\n"
        "On 26-27 June 2019, over 80 participants from 30 states met in Stockholm, Sweden, for "
        "the Fifth Ministerial Conference of the Budapest Process. The Budapest Process thanked "
        "Sweden for its hospitality."
    )
    assert (meta.process, meta.meeting_type, meta.date, meta.year) == (
        "Budapest Process", "Ministerial Conference", "2019-06-26", 2019,
    )
    assert meta.location.startswith("Stockholm")


def test_publication_date_above_the_meeting_date_is_not_the_meeting_date():
    meta = _meta(
        "Prague Process thematic meeting on return\n\n08 May 2018\n\n"
        "The Thematic Meeting of the Prague Process on voluntary return took place in Kyiv on "
        "14 March 2018. It gathered 40 experts from 20 states."
    )
    assert (meta.date, meta.location, meta.meeting_type) == ("2018-03-14", "Kyiv", "Thematic meeting")


def test_process_named_only_in_the_title_and_place_after_the_date():
    meta = _meta(
        "Khartoum Process workshop on trafficking\n\n"
        "A workshop on law enforcement cooperation against trafficking in persons was held on "
        "7 February 2024, Nairobi, Kenya, with officials from twelve countries."
    )
    assert (meta.process, meta.meeting_type, meta.date) == ("Khartoum Process", "Workshop", "2024-02-07")
    assert meta.location.startswith("Nairobi")


def test_acronym_defined_dialogue():
    text = (
        "Regional migration dialogue meets in Accra\n\n"
        "Accra – The Migration Dialogue for West Africa (MIDWA) held its annual meeting from 3 to 5 "
        "April 2017. MIDWA members discussed free movement. MIDWA was set up in 2000."
    )
    meta = _meta(text)
    assert meta.process == "Migration Dialogue for West Africa"
    assert defined_acronyms(text) == {"MIDWA": "Migration Dialogue for West Africa"}
    assert (meta.date, meta.location) == ("2017-04-03", "Accra")


def test_a_dialogue_is_kept_under_its_registry_name_whatever_the_report_calls_it():
    # mentions under either name count for the one dialogue (two "RCM" and one "Puebla Process"
    # outweigh a single mention of another dialogue)
    meta = _meta(
        "Vice-ministers meet in Guatemala\n\n"
        "The Puebla Process met in Guatemala City on 4 June 2019. Delegates of the Regional "
        "Conference on Migration (RCM) and observers from the Colombo Process attended. The RCM "
        "adopted its work plan."
    )
    assert meta.process == "Regional Conference on Migration"
    assert _meta("Le Processus de Rabat s'est réuni à Marrakech.").process == "Rabat Process"
    assert _meta("The Euro-African Dialogue met in Cadiz.").process == "Rabat Process"


def test_day_and_month_take_the_year_of_the_page():
    meta = _meta(
        "EU and African states launch a route initiative\n\n5 December 2014\n\n"
        "Ministers of 28 states launched on 28 November the Horn of Africa route initiative, "
        "known as the Khartoum Process."
    )
    assert meta.date == "2014-11-28"


def test_year_from_the_title_when_the_text_gives_day_and_month_only():
    assert _meta(
        "Lisbon Migration Forum 2019\n\nThe forum, held on 4 and 5 March, gathered 200 participants."
    ).date == "2019-03-04"
    assert _meta("Annual Network Conference 2014\n\nThe conference discussed integration.").date == "2014"


def test_relative_days_count_from_the_dateline():
    tomorrow = _meta(
        "Senior officials prepare the ministerial\n\n"
        "DUBAI, 30th January, 2026 (WAM) -- The meeting of senior officials of the Abu Dhabi "
        "Dialogue convenes tomorrow in Dubai, in preparation for the Ministerial Consultation."
    )
    assert (tomorrow.date, tomorrow.location, tomorrow.meeting_type) == (
        "2026-01-31", "Dubai", "Senior Officials Meeting",
    )
    monday = _meta(
        "New chair for the forum\n\ndate 2019-05-28\n\n"
        "Geneva: Ghana was selected as the next chair of the Global Forum on Migration and "
        "Development at a meeting held in Geneva on Monday."
    )
    assert (monday.date, monday.location) == ("2019-05-27", "Geneva")
    assert monday.process == "Global Forum on Migration and Development"


def test_a_meeting_that_closed_today_after_two_days_began_the_day_before():
    meta = _meta(
        "Ministers agree a new agenda\n\nFriday, 12 May 2023 Ministers agree a new agenda\n\n"
        "Doha: The ministerial consultation of the Gulf dialogue closed today in Doha. After two "
        "days of talks the ministers adopted a declaration."
    )
    assert (meta.date, meta.location, meta.meeting_type) == ("2023-05-11", "Doha", "Ministerial Conference")


def test_prose_places_stop_at_sentence_ends_names_and_one_off_line_openers():
    meta = _meta(
        "Watch: leaders sign a fund at the summit\n\n"
        "The fund was presented by the ministers of the region at the XVIII Regional Conference On "
        "Migration. Photo by Jane Doe. Image Credit: Agency"
    )
    assert meta.location == ""


def test_a_place_inside_a_name_is_not_the_venue():
    meta = _meta(
        "The Rabat Process Steering Committee met in Lisbon on 2 March 2020 to review the "
        "Marrakesh Action Plan; the Rome Declaration was recalled."
    )
    assert (meta.location, meta.meeting_type, meta.process) == ("Lisbon", "Steering Committee", "Rabat Process")


def test_spacy_loads_once_with_ner_and_sentencizer():
    assert load_nlp() is load_nlp()
    assert {"ner", "sentencizer"} <= set(load_nlp().pipe_names)
    assert "parser" not in load_nlp().pipe_names


# --- How bench.meta_eval compares a prediction with a label ---------------------------------


def test_eval_comparisons():
    acr = {"MIDSA": "Migration Dialogue for Southern Africa"}
    assert same_process("Migration Dialogue for Southern Africa", "MIDSA", acr)
    assert same_process("GFMD Summit", "Global Forum on Migration and Development")
    assert same_process("Valletta Summit on Migration", "Valletta")
    assert same_process("the Budapest Process", "Budapest Process")
    assert not same_process("Prague Process", "Budapest Process")
    assert same_process(
        "Mobility Partnership between the Kingdom of Morocco and the European Union",
        "EU Mobility Partnership",
    )
    assert same_date("2016-02-11", "2016-02") and not same_date("2016", "2016-02")
    assert same_location("Istanbul, Türkiye", "Istanbul") and not same_location("Istanbulu", "Istanbul")
    assert same_meeting_type("Working Group meeting", "Working Group")
    assert same_meeting_type("Expert meeting", "Expert Meeting")
    assert fold_of("d001_budapest-process-structure.txt") == fold_of("d001_budapest-process-structure.txt")


# --- Against realdev's hand labels, when the collection is there ---------------------------

REALDEV = next(
    (p for p in (Path("/work/shared/realdev"), ROOT.parent / "shared" / "realdev") if (p / "meta.jsonl").exists()),
    None,
)
FLOORS = {"process": 0.90, "meeting_type": 0.80, "date": 0.90, "location": 0.90}
# What the held-out folds give today; a change must not fall below it.
HELD_OUT_TODAY = {"process": 0.94, "meeting_type": 0.87, "date": 0.72, "location": 0.88}


@pytest.fixture(scope="module")
def realdev_held_out():
    if REALDEV is None:
        pytest.skip("no ../shared/realdev here")
    result = evaluate(REALDEV)
    held = [k for k in range(5) if k not in DEV_FOLDS]
    shares = {}
    for field, folds in result["counts"].items():
        right = sum(folds[k][0] for k in held)
        n = sum(folds[k][1] for k in held)
        shares[field] = right / n
    return shares


@pytest.mark.slow
def test_realdev_held_out_no_worse_than_today(realdev_held_out):
    for field, share in realdev_held_out.items():
        assert share >= HELD_OUT_TODAY[field] - 1e-9, (field, share)


@pytest.mark.slow
@pytest.mark.xfail(reason="issue 9 floors not met yet on the held-out folds: see README", strict=False)
def test_realdev_held_out_meets_the_floors(realdev_held_out):
    for field, share in realdev_held_out.items():
        assert share >= FLOORS[field], (field, share)
