"""The migration dialogues this assistant is for, under each name they go by.

Reports call one dialogue several things: the Rabat Process is also the Euro-African Dialogue on
Migration and Development, the Regional Conference on Migration the Puebla Process. A question
may use one name and the report another, so both the metadata (`ingest`) and the check that
evidence is about the dialogue asked for (`evidence`) read names through this table. It is
domain knowledge, like the country list in `gazetteer`: the regional consultative processes and
inter-regional forums IOM lists, and the EU bodies and frameworks their reports cite. A name not
here is kept as the text writes it.

    >>> canonical_dialogue("Euro-African Dialogue on Migration and Development")
    'Rabat Process'
    >>> dialogues_in("The Puebla Process met in Guatemala.")
    ['Regional Conference on Migration']
"""

from __future__ import annotations

import re
from functools import cache

from .textnorm import fold, fold_aligned

# canonical name | other names ... ; acronyms (matched as written, in capitals) after "#".
# The regional and inter-regional consultative processes: distinct dialogues, so evidence about
# one does not answer a question about another.
DIALOGUES = """
Budapest Process | Processus de Budapest
Prague Process | Building Migration Partnerships | Processus de Prague
Rabat Process | Euro-African Dialogue on Migration and Development | Euro-African Dialogue | Processus de Rabat | Dialogue euro-africain sur la migration et le développement
Khartoum Process | EU-Horn of Africa Migration Route Initiative | Processus de Khartoum
Almaty Process | Almaty Process on Refugee Protection and International Migration
Bali Process | Bali Process on People Smuggling, Trafficking in Persons and Related Transnational Crime
Colombo Process | Regional Consultative Process on Overseas Employment and Contractual Labour for Countries of Origin in Asia
Abu Dhabi Dialogue | Abu Dhabi Dialogue among the Asian Labor Sending and Receiving Countries
Regional Conference on Migration | Puebla Process | Conferencia Regional sobre Migración # RCM CRM
South American Conference on Migration | Conferencia Suramericana sobre Migraciones | Lima Process # CSM
Migration Dialogue for Southern Africa # MIDSA
Migration Dialogue for West Africa # MIDWA
Migration Dialogue for Central African States # MIDCAS
Migration Dialogue from the COMESA Member States # MIDCOM
IGAD RCP | IGAD Regional Consultative Process on Migration | IGAD Regional Consultative Process # IGAD-RCP
Arab Regional Consultative Process on Migration and Refugee Affairs # ARCP
Intergovernmental Consultations on Migration, Asylum and Refugees # IGC
Inter-Governmental Asia-Pacific Consultations on Refugees, Displaced Persons and Migrants # APC
Eastern Partnership Panel on Migration and Asylum | Eastern Partnership Panel on Migration, Mobility and Integrated Border Management
Mediterranean Transit Migration Dialogue # MTM
5+5 Dialogue | 5+5 Dialogue on Migration in the Western Mediterranean
Africa-EU Migration and Mobility Dialogue # MMD
Caribbean Migration Consultations # CMC
Pacific Immigration Development Community # PIDC
Quito Process
Söderköping Process | Cross-Border Cooperation Process
Salzburg Forum
MARRI | Migration, Asylum, Refugees Regional Initiative # MARRI
Rome Process | International Conference on Development and Migration
"""
# Global frameworks and forums, EU frameworks and agencies: reports of one often answer for
# another (a review forum reports on the compact it reviews).
FRAMEWORKS = """
Joint Valletta Action Plan # JVAP
Pan-African Forum on Migration # PAFOM
Global Forum on Migration and Development # GFMD
Global Compact for Migration | Global Compact for Safe, Orderly and Regular Migration # GCM
Global Compact on Refugees # GCR
International Migration Review Forum # IMRF
EU-Turkey Statement | EU-Turkey deal | EU-Turkey Joint Action Plan
EU Mobility Partnership | Mobility Partnership
European Migration Network # EMN
Frontex | European Border and Coast Guard Agency
European Union Agency for Asylum | European Asylum Support Office # EUAA EASO
"""

def is_dialogue(name: str) -> bool:
    """Whether a registry name is one of the consultative processes (not a framework)."""
    return name in _table()[2]


def is_framework(name: str) -> bool:
    """Whether a name (as a text writes it) is a registered framework, forum or agency."""
    known = canonical_dialogue(name)
    return bool(known) and not is_dialogue(known)


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^\w+]+", " ", fold(name)).split())


@cache
def _table() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(folded name -> canonical, acronym -> canonical, the dialogues' canonical names)."""
    names: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    dialogues: set[str] = set()
    for table, is_process in ((DIALOGUES, True), (FRAMEWORKS, False)):
        for line in table.strip().splitlines():
            spelled, _, short = line.partition("#")
            variants = [v.strip() for v in spelled.split("|") if v.strip()]
            if is_process:
                dialogues.add(variants[0])
            for v in variants:
                names.setdefault(_key(v), variants[0])
            for a in short.split():
                acronyms.setdefault(a, variants[0])
    return names, acronyms, frozenset(dialogues)


@cache
def _pattern() -> re.Pattern:
    names = _table()[0]
    # the words of a name, with any run of spaces or punctuation between them
    alts = sorted((r"[^\w+]+".join(map(re.escape, n.split())) for n in names), key=len, reverse=True)
    return re.compile(r"(?<![\w+])(?:" + "|".join(alts) + r")(?![\w+])")


def canonical_dialogue(name: str) -> str:
    """The registry's name for a dialogue name or acronym as a text writes it, or ''. A name
    ending in its head noun may carry a complement ("Mobility Partnership between Morocco and
    the EU", "Bali Process on People Smuggling")."""
    names, acronyms, _ = _table()
    name = name.strip()
    if name in acronyms:
        return acronyms[name]
    key = _key(name)
    if key in names:
        return names[key]
    m = _COMPLEMENT.match(key)
    return names.get(m.group(1), "") if m else ""


_COMPLEMENT = re.compile(r"(.+? (?:process|dialogue|partnership|forum|network|initiative))"
                         r" (?:on|for|between|among|of|in) ")


def dialogues_in(text: str) -> list[str]:
    """The registered dialogues a text names, by any of their names or acronyms, in the order
    of their first mention."""
    names, acronyms, _ = _table()
    text = text or ""
    found = [(m.start(), names[_key(m.group(0))]) for m in _pattern().finditer(fold_aligned(text))]
    found += [(m.start(), acronyms[m.group(0)])
              for m in re.finditer(r"\b[A-Z][A-Z-]{1,8}\b", text) if m.group(0) in acronyms]
    return list(dict.fromkeys(name for _, name in sorted(found)))
