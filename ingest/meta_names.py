"""Which dialogue a document is about, and what kind of meeting it reports.

Dialogue names follow a few general shapes: capitalised words before a head noun ("Budapest
Process", "Abu Dhabi Dialogue", "Salzburg Forum", "European Migration Network"), or a head noun
with its complement ("Global Forum on Migration and Development", "Regional Conference on
Migration"), often with an acronym defined in parentheses ("... for Southern Africa (MIDSA)")
that later stands for it. Each name is scored by its mentions (acronym uses included), a
mention in the title, and how early it first appears.

    >>> dialogue_name("GFMD Summit", "The Global Forum on Migration and Development (GFMD) met. GFMD chairs.")
    'Global Forum on Migration and Development'
"""

from __future__ import annotations

import re

from assistant.dialogues import canonical_dialogue, dialogues_in

_CAP = r"(?:[A-Z][\w’'\-]*|[A-Z]{2,})"
_SP = r"[ \t]+"
_HEAD = r"(?:Process|Dialogue|Forum|Conference|Compact|Network|Partnership|Initiative|Summit|Action Plan)"
_NAME = re.compile(
    rf"((?:{_CAP}{_SP})*){_HEAD}\b"
    rf"((?:{_SP}(?:on|for){_SP}{_CAP}(?:(?:,[ \t]*|{_SP}and{_SP}|{_SP}){_CAP}){{0,4}}"
    # "... Conference on migration (CSM)": a lower-case complement the acronym vouches for
    rf"|{_SP}(?:on|for){_SP}[a-z][a-z ,]{{2,40}}?(?=[ \t]*\([A-Z]{{2,}}\))"
    # "... Partnership between the Kingdom of Morocco and the European Union"
    rf"|{_SP}between{_SP}(?:the{_SP})?{_CAP}(?:{_SP}(?:of|the|and|{_CAP}))*?{_SP}and{_SP}(?:the{_SP})?{_CAP}(?:{_SP}{_CAP})*"
    rf")?)"
    rf"(?:[ \t]*\(([A-Z][A-Za-z]{{1,9}})\))?"
    # "... (RCP) of the Intergovernmental Authority on Development (IGAD)": the owner's acronym
    rf"(?:[ \t]+of[ \t]+the[ \t]+[A-Z][\w ]{{3,60}}?[ \t]*\(([A-Z]{{2,9}})\))?"
)
# Words that open a name without being part of it ("the Fifth", "Annual", "Virtual").
_LEADING = set(
    "the a an this that its our their annual virtual next last launch about statement first "
    "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "ministerial senior officials thematic preparatory special informal extraordinary".split()
)
# Words that do not make a name specific: a name needs another word or a complement.
_GENERIC = _LEADING | set(
    "regional official international global intergovernmental high-level political peace new "
    "consultative policy joint meeting conference summit forum process dialogue migration "
    "expert experts technical closing opening in on at of for and by with as to from "
    "chairs".split()
)
_HEAD_WORDS = {"process", "dialogue", "forum", "conference", "compact", "network", "partnership",
               "initiative", "summit"}
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")

# (pattern, type); the first that matches the title wins, else the earliest in the lead.
MEETING_TYPES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bMinisterial(?:[- ]level)?(?:\s+(?:Conference|Meeting|Consultation|Forum|and)\b|\b)"
                r"|\bConference of (?:the )?(?:Interior )?Ministers\b|\b(?:Interior|labour) Ministers\b", re.I),
     "Ministerial Conference"),
    (re.compile(r"\bSenior Officials?[’']?\s+Meeting\b|\bSOM\b|\bmeeting of senior officials\b", re.I),
     "Senior Officials Meeting"),
    (re.compile(r"\bSummit\b|\bHeads of State or Government\b|\bEuropean Council\b", re.I), "Summit"),
    (re.compile(r"\bSteering Committee\b", re.I), "Steering Committee"),
    (re.compile(r"\bWorking Group [Mm]eeting\b|\bWorking Group\b", re.I), "Working Group meeting"),
    (re.compile(r"\bThematic [Mm]eeting\b", re.I), "Thematic meeting"),
    (re.compile(r"\bExperts?[’']? (?:[Mm]eeting|Group)\b|\bexperts\b[^.]{0,200}\b(?:meet|gather|convene)", re.I),
     "Expert meeting"),
    (re.compile(r"\bStudy [Vv]isit\b", re.I), "Study visit"),
    (re.compile(r"\bWorkshop\b", re.I), "Workshop"),
    (re.compile(r"\b(?:signed|signing|signature)\b|\bdate of adoption\b", re.I), "Signing"),
    (re.compile(r"\bConference\b", re.I), "Conference"),
]
_PREPARING = re.compile(
    r"\b(?:in preparation for|prepar\w+(?:\s+for)?|ahead of|prior to)\s+(?:the\s+)?[^.]{0,40}$", re.I
)
_NEWSLETTER = re.compile(r"\bnewsletter\b|^\s*in this issue\b", re.I | re.M)


def _distinctive(words: list[str]) -> bool:
    return any(w.lower() not in _GENERIC and not _ORDINAL.match(w) for w in words)


def _strip_leading(words: list[str]) -> list[str]:
    while words and (words[0].lower() in _LEADING or _ORDINAL.match(words[0])):
        words = words[1:]
    return words


def _mentions(text: str) -> list[tuple[int, str, str]]:
    """(position, name, acronym) for every dialogue-like name in `text`."""
    out = []
    for m in _NAME.finditer(text):
        words = _strip_leading(m.group(1).split())
        head = re.search(_HEAD, m.group(0)[len(m.group(1)):]).group(0)
        complement = " ".join(m.group(2).split())
        acronym = m.group(3) or ""
        inner = [i for i, w in enumerate(words) if w.lower() in _HEAD_WORDS]
        if inner and _distinctive(words[: inner[0]]):
            # "Salzburg Forum Ministerial Conference": the dialogue is the first name; the rest
            # may be a second one ("... Conference The South American Conference on ...").
            rest = _strip_leading(words[inner[0] + 1 :])
            if rest and _distinctive(rest) or complement:
                out.append((m.start(), " ".join(rest + [head] + ([complement] if complement else [])), acronym))
            words, head, complement, acronym = words[: inner[0]], words[inner[0]], "", ""
        if not (_distinctive(words) or complement):
            continue
        owner = [m.group(4)] if m.group(4) and m.group(4) not in words else []
        name = " ".join(owner + words + [head]) + (f" {complement}" if complement else "")
        out.append((m.start(), name, acronym))
    return out


def dialogue_name(title: str, text: str) -> str:
    """The dialogue the document is about (the registry's name for it when it has one, see
    `assistant.dialogues`), with its acronym when the text defines one; ''."""
    # A dialogue goes by several names ("Puebla Process", "Regional Conference on Migration"):
    # each mention counts for the registry's one name, which is also the name kept.
    found = [(pos, canonical_dialogue(name) or (acr and canonical_dialogue(acr)) or name, acr)
             for pos, name, acr in _mentions(text)]
    if not found:
        registered = dialogues_in(text)  # named in another language or shape ("Processus de Rabat")
        return registered[0] if registered else ""
    acronyms = {name: acr for _, name, acr in found if acr}
    score: dict[str, float] = {}
    first: dict[str, int] = {}
    for pos, name, _ in found:
        score[name] = score.get(name, 0.0) + 1
        first.setdefault(name, pos)
    for name, acr in acronyms.items():
        uses = len(re.findall(rf"\b{re.escape(acr)}\b", text)) - 1
        score[name] += max(uses, 0)
        if re.search(rf"\b{re.escape(acr)}\b", title):
            score[name] += 3
    for short in sorted(score, key=len):
        longer = [n for n in score if n != short and _extends(n, short)]
        if longer:  # "South American Conference" is short for "... on Migration"
            score[max(longer, key=lambda n: score[n])] += score.pop(short)
    for name in score:
        if name.split(" on ")[0].split(" for ")[0] in title:
            score[name] += 3
        score[name] -= first[name] / 5000
    return max(score, key=lambda n: score[n])


def _extends(longer: str, short: str) -> bool:
    """`longer` is `short` with a complement ("... on Migration") or an owner's acronym
    ("IGAD Regional Consultative Process")."""
    if longer.startswith(short + " "):
        return True
    prefix = longer[: -len(short)].strip() if longer.endswith(" " + short) else ""
    return bool(re.fullmatch(r"[A-Z]{2,9}", prefix))


def defined_acronyms(text: str) -> dict[str, str]:
    """Acronyms the text defines for dialogue names: {"MIDSA": "Migration Dialogue for ..."}."""
    out: dict[str, str] = {}
    for _, name, acr in _mentions(text):
        if acr and (acr not in out or len(name) < len(out[acr])):
            out[acr] = name
    return out


def meeting_type(title: str, lead: list[str], text: str) -> str:
    """The kind of meeting reported, from the title, else the first lead sentence naming one."""
    found = _first_type(title)
    if found:
        return found
    if _NEWSLETTER.search(text):
        return "Newsletter"
    for sentence in lead:
        found = _first_type(sentence)
        if found:
            return found
    return ""


def _first_type(text: str) -> str:
    """The first type in priority order (a joint SOM and ministerial is a ministerial), not
    counting a meeting the text is only preparing for."""
    for pattern, name in MEETING_TYPES:
        for m in pattern.finditer(text):
            if not _PREPARING.search(text[: m.start()]):
                return name
    return ""
