"""Country names, folded: "which countries ..." wants text that names some; and the adjectives
of nationality that name them ("the Moroccan minister" is Morocco's).

Migration dialogues are about states, so a list of them is a cheap, reliable answer cue.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .textnorm import fold, fold_aligned

# One country a comma; "|" separates spellings of the same one.
COUNTRIES = """
Afghanistan, Albania, Algeria, Andorra, Angola, Argentina, Armenia, Australia, Austria,
Azerbaijan, Bahrain, Bangladesh, Belarus, Belgium, Benin, Bhutan, Bolivia,
Bosnia|Bosnia and Herzegovina, Botswana, Brazil, Bulgaria, Burkina Faso|Burkina, Burundi,
Cambodia, Cameroon, Canada, Chad, Chile, China, Colombia, Congo, Croatia, Cuba, Cyprus,
Czech Republic|Czechia, Denmark, Djibouti, Ecuador, Egypt, Eritrea, Estonia, Eswatini, Ethiopia,
Finland, France, Gabon, Gambia, Georgia, Germany, Ghana, Greece, Guatemala, Guinea, Haiti,
Honduras, Hungary, Iceland, India, Indonesia, Iran, Iraq, Ireland, Israel, Italy, Jamaica,
Japan, Jordan, Kazakhstan, Kenya, Kosovo, Kuwait, Kyrgyzstan|Kyrgyz Republic, Laos, Latvia,
Lebanon, Lesotho, Liberia, Libya, Liechtenstein, Lithuania, Luxembourg, Madagascar, Malawi,
Malaysia, Mali, Malta, Mauritania, Mexico, Moldova, Monaco, Mongolia, Montenegro, Morocco,
Mozambique, Myanmar, Namibia, Nepal, Netherlands, New Zealand, Nicaragua, Niger, Nigeria,
North Macedonia, North Korea, Norway, Oman, Pakistan, Palestine, Panama, Paraguay, Peru,
Philippines, Poland, Portugal, Qatar, Romania, Russia|Russian Federation, Rwanda, Saudi Arabia,
Senegal, Serbia, Sierra Leone, Singapore, Slovakia, Slovenia, Somalia, South Africa,
South Korea, South Sudan, Spain, Sri Lanka, Sudan, Sweden, Switzerland, Syria, Tajikistan,
Tanzania, Thailand, Togo, Tunisia, Turkey|Türkiye, Turkmenistan, Uganda, Ukraine,
United Arab Emirates|UAE, United Kingdom|UK|Britain|Great Britain, United States|USA, Uruguay,
Uzbekistan, Venezuela,
Vietnam|Viet Nam, Yemen, Zambia, Zimbabwe
"""


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    names = {sp for sps in spellings().values() for sp in sps}
    alts = sorted((re.escape(n).replace(r"\ ", r"\s+") for n in names), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b")


def country_spans(text: str) -> list[tuple[int, int]]:
    """Where a text names countries, as (start, end) offsets in `text` itself."""
    return [m.span() for m in _pattern().finditer(fold_aligned(text))]


def countries_in(text: str) -> set[str]:
    """The (folded) country names a text mentions."""
    return {" ".join(m.split()) for m in _pattern().findall(fold(text))}


# Adjectives no suffix rule makes from the country's name.
IRREGULAR = """
british: United Kingdom, french: France, dutch: Netherlands, swiss: Switzerland, spanish: Spain,
greek: Greece, danish: Denmark, norwegian: Norway, finnish: Finland, irish: Ireland,
portuguese: Portugal, filipino: Philippines, emirati: United Arab Emirates,
american: United States, saudi: Saudi Arabia, cypriot: Cyprus, montenegrin: Montenegro,
peruvian: Peru, afghan: Afghanistan, kazakh: Kazakhstan, uzbek: Uzbekistan, tajik: Tajikistan,
kyrgyz: Kyrgyzstan, turkmen: Turkmenistan, lao: Laos, malagasy: Madagascar,
burkinabe: Burkina Faso, nigerien: Niger, polish: Poland, german: Germany, icelandic: Iceland,
thai: Thailand, czech: Czech Republic
"""
_SUFFIXES = ("n", "an", "ian", "i", "ese", "ish")
# Forms that are another word or another country's ("chili", "romani", "guinean"), and last
# words several names share or that name a region ("South Africa": not every "African").
_AMBIGUOUS = frozenset(("guinean", "chili", "romani", "indi"))
_SHARED = frozenset(("africa", "states", "korea", "arabia", "republic", "emirates", "kingdom"))


@lru_cache(maxsize=1)
def spellings() -> dict[str, tuple[str, ...]]:
    """Folded country name (its first spelling) -> all its folded spellings."""
    out = {}
    for entry in COUNTRIES.split(","):
        names = tuple(fold(n.strip()) for n in entry.split("|") if n.strip())
        if names:
            out[names[0]] = names
    return out


def last_words(country: str) -> set[str]:
    """The words that name a country on their own: the last word of each spelling, unless
    other names end with it ("United Kingdom|UK|Britain" -> {"uk", "britain"})."""
    return {sp.split()[-1] for sp in spellings()[country]} - _SHARED


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Folded adjective of nationality -> the (folded) country it names: "moroccan" ->
    "morocco", "hungarian" -> "hungary", "british" -> "united kingdom". Regular ones are the
    country's name (less a final vowel, "-ey", "-en", "-um", "-ia" or "-stan") with a suffix."""
    out = {}
    for entry in IRREGULAR.split(","):
        adj, _, name = entry.partition(":")
        if adj.strip():
            out[adj.strip()] = fold(name.strip())
    # Fewest letters dropped first; then one-word names and longer ones ("nigerian" is
    # Nigeria's, "sudanese" Sudan's, not South Sudan's).
    names = sorted(spellings(), key=lambda n: (" " in n, -len(n.split()[-1])))
    taken = {w for n in spellings().values() for sp in n for w in sp.split()}
    taken_alone = {n for n in spellings() if " " not in n}  # "Sudan" and "South Sudan"
    for drop in ("", "a", "e", "o", "y", "ey", "en", "um", "ia", "stan"):
        for name in names:
            last = name.split()[-1]
            if last in _SHARED or (" " in name and last in taken_alone) or not last.endswith(drop) \
                    or len(last) - len(drop) < 3:
                continue
            stem = last[: len(last) - len(drop)]
            for suffix in _SUFFIXES:
                form = stem + suffix
                if form not in _AMBIGUOUS and form not in taken:
                    out.setdefault(form, name)
    return out
