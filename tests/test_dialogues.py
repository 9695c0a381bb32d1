"""The dialogues registry and adjectives of nationality: one dialogue or country under each of
its names, and nothing else under them."""

from __future__ import annotations

import pytest

from assistant.dialogues import canonical_dialogue, dialogues_in, is_dialogue, is_framework
from assistant.gazetteer import countries_in, demonyms
from assistant.terms import _covered, processes_named
from assistant.textnorm import tokens


@pytest.mark.parametrize("written, name", [
    ("Euro-African Dialogue on Migration and Development", "Rabat Process"),
    ("Puebla Process", "Regional Conference on Migration"),
    ("CSM", "South American Conference on Migration"),
    ("Mobility Partnership between the Kingdom of Morocco and the European Union", "EU Mobility Partnership"),
    ("Bali Process on People Smuggling", "Bali Process"),
    ("Processus de Rabat", "Rabat Process"),
    ("Budapest Process", "Budapest Process"),
])
def test_a_dialogue_under_another_name_is_the_registrys(written, name):
    assert canonical_dialogue(written) == name


@pytest.mark.parametrize("written", [
    "Regional Conference on Migration in West Africa",  # a complement that names another meeting
    "Vistula Process",                                   # not registered: kept as written
    "Marrakech Compact on Migration",
    "add",                                               # an acronym only in capitals
])
def test_what_is_not_a_registered_name_stays_unknown(written):
    assert canonical_dialogue(written) == ""


def test_dialogues_in_a_text_in_order_of_mention():
    text = "The Puebla Process (RCM) met; the GFMD too. Add to this the Processus de Rabat."
    assert dialogues_in(text) == ["Regional Conference on Migration",
                                  "Global Forum on Migration and Development", "Rabat Process"]


def test_dialogues_are_told_from_frameworks():
    assert is_dialogue("Rabat Process") and not is_framework("Euro-African Dialogue")
    assert is_framework("Global Compact for Safe, Orderly and Regular Migration")
    assert not is_dialogue("Global Compact for Migration")
    assert not is_framework("Vistula Process")


def test_a_question_names_a_dialogue_by_any_of_its_names():
    assert "Rabat Process" in processes_named("Who received the Rabat Process presidency?")
    assert processes_named("Which country chaired the Puebla Process in 2019?") == {
        "Regional Conference on Migration", "puebla process"}
    assert processes_named("When did the Vistula Process meet?") == {"vistula process"}
    # a framework is no dialogue: evidence about another body may answer for it
    assert processes_named("Did the General Assembly adopt the IMRF Progress Declaration?") == set()


@pytest.mark.parametrize("adjective, country", [
    ("moroccan", "morocco"), ("hungarian", "hungary"), ("turkish", "turkey"),
    ("pakistani", "pakistan"), ("swedish", "sweden"), ("belgian", "belgium"),
    ("somali", "somalia"), ("nigerian", "nigeria"), ("nigerien", "niger"),
    ("sudanese", "sudan"), ("british", "united kingdom"), ("emirati", "united arab emirates"),
    ("austrian", "austria"), ("australian", "australia"),
])
def test_adjectives_of_nationality_name_their_country(adjective, country):
    assert demonyms()[adjective] == country


def test_no_region_or_other_country_under_an_adjective():
    names = demonyms()
    assert "african" not in names      # South Africa's name, every African's word
    assert "guinean" not in names      # three countries' adjective
    assert "iran" not in names and "chan" not in names


def test_a_country_is_not_stated_by_the_word_other_names_end_with():
    # "Czech Republic", "United States": "republic" and "states" name no country alone
    assert _covered("czech", set(tokens("Czechia chairs")))
    assert not _covered("czech", set(tokens("the Republic of Moldova")))
    assert not _covered("american", set(tokens("the member states")))


def test_a_country_and_its_adjective_state_each_other():
    assert _covered("moroccan", set(tokens("Morocco took over the presidency")))
    assert _covered(tokens("Morocco")[0], set(tokens("the Moroccan minister")))
    assert _covered("british", set(tokens("the UK wants a partnership")))
    assert _covered("uk", set(tokens("British Home Secretary")))
    assert not _covered("moroccan", set(tokens("Algeria took over the presidency")))
    assert countries_in("The UAE and Britain") == {"uae", "britain"}
