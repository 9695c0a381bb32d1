"""Deterministic look-alike reports of FICTIONAL migration dialogues, to hide the seeds among.

Each report shares the seeds' vocabulary and layout (Senior Officials Meetings with participant
counts, chairs with titles, dates and places, numbered points, proposal and next-step lists,
tab-separated work plans with <b>/<i> markup, newsletters with "SOM Decisions", profile tables)
but states different facts about invented processes ("Vistula Process", "Aral Process", ...).
It never names the seeds' processes, and never reuses the seeds' distinguishing details
(the 32nd SOM, Istanbul in 2022, Brussels in 2010, a 2011 work plan, COLEP, BMP), so every seed
question stays unambiguous while the distractors compete on every shared word.

Same arguments -> byte-identical files; report i depends only on (seed, i), so a larger --n
only adds files.

    python -m bench.gen_corpus OUT_DIR --n 300 [--seed 0] [--with-seeds]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"
FIRST_NUMBER = 100  # seeds are 000-004; distractors start above them

# --- vocabulary ------------------------------------------------------------------------------
# (process name, acronym); none is the seeds' ("Budapest Process" BP, "Prague Process" BMP).
PROCESSES = (
    ("Vistula Process", "VP"), ("Carpathian Dialogue", "CD"), ("Aral Process", "AP"),
    ("Danube Dialogue", "DD"), ("Caspian Process", "CP"), ("Baltic Sea Dialogue", "BSD"),
    ("Adriatic Process", "ADP"), ("Pamir Dialogue", "PD"), ("Tisza Process", "TP"),
    ("Volga Process", "VOP"), ("Euphrates Dialogue", "ED"), ("Black Sea Process", "BSP"),
    ("Tatra Dialogue", "TD"), ("Dniester Process", "DP"), ("Zagros Dialogue", "ZD"),
    ("Taurus Process", "TAP"), ("Oder Dialogue", "OD"), ("Rila Process", "RP"),
)
SLOGANS = (("Safe Routes Partnership", "SRP"), ("Mobility for Development", "MfD"),
           ("Partners in Migration Governance", "PMG"), ("Connecting Migration Systems", "CMS"))
GROUPS = (("Cooperation of Border Guard Practitioners", "COBOG"),
          ("Network of Return Practitioners", "NERP"),
          ("Forum of Asylum Practitioners", "FAP"), ("Working Group on Labour Mobility", "WGLM"))
COUNTRIES = (
    "Albania", "Armenia", "Austria", "Australia", "Azerbaijan", "Bangladesh", "Belgium",
    "Bosnia and Herzegovina", "Bulgaria", "Croatia", "Cyprus", "Czech Republic", "Denmark",
    "Estonia", "Finland", "France", "Georgia", "Germany", "Greece", "Hungary", "Iran", "Iraq",
    "Italy", "Kazakhstan", "Kyrgyzstan", "Latvia", "Lithuania", "Malta", "Moldova", "Mongolia",
    "Netherlands", "North Macedonia", "Norway", "Pakistan", "Poland", "Portugal", "Romania",
    "Serbia", "Slovakia", "Slovenia", "Spain", "Sweden", "Switzerland", "Tajikistan",
    "Türkiye", "Turkmenistan", "Ukraine", "United Kingdom", "Uzbekistan", "Afghanistan",
)
INVITEES = ("Egypt", "Tunisia", "Morocco", "Sri Lanka", "Nepal", "Libya", "Mauritania",
            "Oman", "Kenya", "Vietnam", "Syria", "Yemen")
CITIES = (
    ("Istanbul", "Türkiye"), ("Ankara", "Türkiye"), ("Vienna", "Austria"), ("Warsaw", "Poland"),
    ("Kraków", "Poland"), ("Tbilisi", "Georgia"), ("Baku", "Azerbaijan"), ("Almaty", "Kazakhstan"),
    ("Tashkent", "Uzbekistan"), ("Bishkek", "Kyrgyzstan"), ("Sofia", "Bulgaria"),
    ("Bucharest", "Romania"), ("Chișinău", "Moldova"), ("Belgrade", "Serbia"),
    ("Skopje", "North Macedonia"), ("Tirana", "Albania"), ("Ljubljana", "Slovenia"),
    ("Riga", "Latvia"), ("Vilnius", "Lithuania"), ("Helsinki", "Finland"), ("Stockholm", "Sweden"),
    ("Berlin", "Germany"), ("Rome", "Italy"), ("Madrid", "Spain"), ("Valletta", "Malta"),
    ("Islamabad", "Pakistan"), ("Dushanbe", "Tajikistan"), ("Yerevan", "Armenia"),
    ("Brussels", "Belgium"), ("Budapest", "Hungary"), ("Prague", "Czech Republic"),
    ("Poznan", "Poland"), ("Kiev", "Ukraine"), ("Moscow", "Russia"),
)
ADJECTIVES = {"Austria": "Austrian", "Poland": "Polish", "Sweden": "Swedish", "Germany": "German",
              "Spain": "Spanish", "Romania": "Romanian", "Bulgaria": "Bulgarian",
              "Finland": "Finnish", "Hungary": "Hungarian", "Croatia": "Croatian",
              "Slovenia": "Slovenian", "Malta": "Maltese", "Latvia": "Latvian",
              "Lithuania": "Lithuanian", "Portugal": "Portuguese", "Greece": "Greek",
              "Estonia": "Estonian", "Denmark": "Danish", "Cyprus": "Cypriot"}
ORGS = ("European Commission", "European Union Agency for Asylum (EUAA)", "Frontex",
        "Council of the European Union", "ICMPD", "International Labour Organization (ILO)",
        "International Organization for Migration (IOM)", "UNHCR", "OSCE",
        "United Nations Office on Drugs and Crime (UNODC)", "UNDP")
FIRST = ("Aurél", "Bożena", "Dragan", "Elif", "Jānis", "Kateřina", "Lőrinc", "Mirela", "Nurlan",
         "Oğuz", "Petra", "Radek", "Sevda", "Tamás", "Ilze", "Marta", "Davor", "Aigerim",
         "Farrukh", "Ingrid", "Henrik", "Leila", "Tomasz", "Ana", "Emre", "Sanja", "Viktor",
         "Nadia", "Pieter", "Greta")
LAST = ("Kovács", "Novák", "Yıldız", "Bērziņš", "Horvat", "Dąbrowski", "Tőkés", "Kaya",
        "Petrović", "Nazarbekov", "Lindqvist", "Moreau", "Ferreira", "Şahin", "Ermekova",
        "Varga", "Sokol", "Marković", "Janssens", "Olsen", "Bianchi", "Rahimov", "Öztürk",
        "Kowalczyk", "Lazăr", "Dvořák", "Mäkinen", "Grünwald")
TITLES = ("Deputy Director General", "Director General", "Head of Department for European Cooperation",
          "Head of Unit", "Deputy Head of Unit", "Director for Migration Policy",
          "State Secretary", "Deputy Minister of Interior", "Head of the Migration Service")
INSTITUTIONS = ("Directorate General for Migration Management", "State Migration Service",
                "Ministry of Interior", "Ministry of Foreign Affairs", "Border Police",
                "Federal Migration Service", "Office for Foreigners", "Ministry of Labour")
THEMES = ("labour migration", "return and reintegration", "climate change", "health", "gender",
          "digitalisation", "trafficking in human beings", "diaspora engagement",
          "legal pathways", "integrated border management", "migrant smuggling")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "September",
          "October", "November", "December")
WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")
# Distinguishing details of the seeds that no distractor may repeat.
FORBIDDEN_PLACE_YEARS = {("Istanbul", 2022), ("Brussels", 2010)}
FORBIDDEN_ORDINALS = {32}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def sup_ordinal(n: int) -> str:
    """'2<sup>nd</sup>', as the seed newsletter writes ordinals."""
    text = ordinal(n)
    return f"{text[:-2]}<sup>{text[-2:]}</sup>"


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class World:
    """The facts one distractor report states."""

    process: str
    acronym: str
    year: int
    city: str
    country: str
    number: int
    chair: str
    co_chair: str

    @classmethod
    def draw(cls, rng: random.Random) -> World:
        process, acronym = rng.choice(PROCESSES)
        while True:
            year = rng.randint(2006, 2024)
            city, country = rng.choice(CITIES)
            number = rng.randint(5, 40)
            if (city, year) not in FORBIDDEN_PLACE_YEARS and number not in FORBIDDEN_ORDINALS:
                break
        chair, co_chair = rng.sample(COUNTRIES, 2)
        return cls(process, acronym, year, city, country, number, chair, co_chair)


def person(rng: random.Random, *, honorific: bool = True) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return f"{rng.choice(('Dr.', 'Mr.', 'Ms.'))} {name}" if honorific else name


def ascii_name(name: str) -> str:
    """'Şahin' -> 'sahin', for e-mail addresses."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ı", "i"))
    return "".join(ch for ch in decomposed if ch.isascii()).lower()


def date_text(rng: random.Random, year: int) -> tuple[str, str]:
    """(long form as in the seeds' headers, plain form) of a random day in `year`."""
    day, month = rng.randint(1, 28), rng.choice(MONTHS)
    return f"{ordinal(day)} {month}, {year}", f"{day} {month} {year}"


# --- blocks and renderers ------------------------------------------------------------------
# A report is a list of blocks: ("h", level, text) | ("p", text) | ("ul", [items]) |
# ("ol", [items]) | ("table", [[cells]]) | ("quote", text). Text may hold **bold** markup.

def render(blocks: list[tuple], fmt: str) -> str:
    if fmt == "html":
        return render_html(blocks)
    out: list[str] = []
    for b in blocks:
        if b[0] == "h":
            out.append(("#" * b[1] + " " if fmt == "md" else "") + b[2])
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] == "quote":
            out.append("> " + b[1])
        elif b[0] == "ul":
            out.append("\n".join(f" - {x}" if fmt == "txt" else f"- {x}" for x in b[1]))
        elif b[0] == "ol":
            out.append("\n".join(f"{n}. {x}" for n, x in enumerate(b[1], 1)))
        elif b[0] == "table":
            out.append("\n".join("\t".join(row) for row in b[1]))
    return "\n\n".join(out) + "\n"


def _html_inline(text: str) -> str:
    parts = text.split("**")
    return "".join(f"<b>{p}</b>" if k % 2 else p for k, p in enumerate(parts))


def render_html(blocks: list[tuple]) -> str:
    out = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"></head><body>"]
    for b in blocks:
        if b[0] == "h":
            out.append(f"<h{b[1]}>{_html_inline(b[2])}</h{b[1]}>")
        elif b[0] in ("p", "quote"):
            out.append(f"<p>{_html_inline(b[1])}</p>")
        elif b[0] in ("ul", "ol"):
            items = "".join(f"<li>{_html_inline(x)}</li>" for x in b[1])
            out.append(f"<{b[0]}>{items}</{b[0]}>")
        elif b[0] == "table":
            rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in b[1])
            out.append(f"<table>{rows}</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- the three report shapes ---------------------------------------------------------------

def som_report(rng: random.Random, w: World, *, html: bool = False) -> str:
    """A numbered Senior Officials Meeting report like the seeds' 32nd SOM."""
    long_date, _ = date_text(rng, w.year)
    countries = sorted(rng.sample(COUNTRIES, rng.randint(12, 30)))
    orgs = rng.sample(ORGS, rng.randint(3, 7))
    n_people = rng.randint(len(countries) + 10, 140)
    opener, remarks, closer = person(rng), person(rng), person(rng)
    group, gacr = rng.choice(GROUPS)
    rg_chair, g_chair = rng.sample(COUNTRIES, 2)
    invite = rng.sample(INVITEES, 3)
    themes = rng.sample(THEMES, 4)
    goals = sorted(rng.sample(range(1, 7), 2))
    points = [
        f"The Annual Senior Officials Meeting of the {w.process} ({w.acronym}) **gathered "
        f"{n_people} participants from {len(countries)} countries** – {', '.join(countries)}; "
        f"as well as the {and_list(orgs)}.",
        f"Senior Officials gathered in {w.city}, {w.country}. **{opener}**, "
        f"{rng.choice(TITLES)} at the {rng.choice(INSTITUTIONS)} of {w.chair} opened the Senior "
        f"Officials Meeting, representing {w.chair} as Chair. Further opening remarks followed "
        f"from **{remarks}**, {rng.choice(TITLES)}, Ministry of Interior of {w.co_chair}. "
        f"Finally, **{closer}**, Director General at ICMPD as host of the {w.process} "
        f"Secretariat closed the opening session by welcoming {w.acronym} partners in {w.city}.",
        f"The {w.process} Secretariat shared the **key achievements from {w.year}** including "
        f"its {rng.choice(WORDS)} meetings, various publications and the initial meetings of the "
        f"{group} ({gacr}). A draft work plan for {w.year + 1} was presented. Partners welcomed "
        f"the roles taken on by {rg_chair} as the current Chair of the Reference Group and "
        f"{g_chair} as current Chair of {gacr}.",
    ]
    proposals = [
        f"Hold a {ordinal(rng.randint(3, 9))} ministerial conference (introduce a new "
        "Ministerial Declaration and Call for Action);",
        f"Geographically expand the dialogue and invite new countries such as "
        f"{and_list(invite)} to the {w.process};",
        f"Add new themes to the next Declaration – inter alia – {and_list(themes)};",
        f"Improve the funding structure of the {w.acronym} such that funding is raised more "
        "systematically;",
        "Institutionalise the Reference Group (RG) and give it steering functions.",
    ]
    rng.shuffle(proposals)
    steps = [
        f"The Chairmanship will provide time until {rng.choice(('early', 'mid', 'late'))} "
        f"{w.year + 1} for partner countries to revert back on the proposals;",
        "The Chairmanship will reach out to specific countries suggested for the "
        "geographical expansion of the dialogue;",
        "The Chairmanship will initiate preparations for the Ministerial Conference;",
        f"The Chairmanship will convene a meeting with the Reference Group Chairs, {rg_chair} "
        f"and {rng.choice(COUNTRIES)}, to discuss the role of the Reference Group.",
    ]
    later = [
        f"**On the Chairmanship's Proposals**, countries expressed a desire to continue "
        f"focusing on Priority Goals {goals[0]} and {goals[1]} of the Call for Action.",
        f"Several countries committed funding for {w.year + 1} and others offered in-kind "
        "support (e.g. hosting meetings).",
    ]
    blocks: list[tuple] = [
        ("p", w.process), ("p", f"{ordinal(w.number)} Senior Officials Meeting"),
        ("p", f"Date: {long_date}"), ("p", f"Location: {w.city}, {w.country}"), ("p", "Report"),
        ("ol", points), ("p", "The Chair presented the **Chairmanship's Proposals which "
                        "included:**"), ("ul", proposals), ("ol", later),
        ("p", "In closing, **the Chairmanship agreed on the following next steps:**"),
        ("ul", steps),
    ]
    return render(blocks, "html" if html else "txt")


def online_som(rng: random.Random, w: World, *, html: bool = False) -> str:
    """A short annual SOM held online, like the seeds' Covid-era report."""
    n_countries = rng.randint(20, 50)
    opener, co_chair, ec, icmpd = (person(rng, honorific=False) for _ in range(4))
    inst = rng.choice(INSTITUTIONS)
    region = rng.choice(("Silk Routes Region", "Black Sea Region", "Western Balkans",
                         "Central Asia", "Eastern Partnership region"))
    blocks = [
        ("h", 1, f"Annual {w.process} Senior Officials Meeting"),
        ("p", f"Over {rng.randint(4, 15) * 10} senior officials from {n_countries} countries and "
              f"selected international organisations gathered online for the annual Senior "
              f"Officials Meeting (SOM) of the {w.process}."),
        ("p", f"{rng.choice(TITLES)} {opener} from {w.chair}'s {inst} opened the SOM, "
              f"representing {w.chair} as Chair to the Dialogue. {rng.choice(TITLES)} {co_chair} "
              f"from the Ministry of Interior of {w.co_chair} provided an opening statement as "
              f"Co-Chair to the Dialogue, followed by {ec} as Deputy Head of Unit at the "
              f"European Commission and {icmpd}, Director for Migration Dialogues and "
              f"Cooperation at ICMPD in charge of the {w.process} Secretariat."),
        ("p", f"Presentations of results in {w.year} were given on the projects in the {region} "
              f"with a focus on {and_list(rng.sample(THEMES, 3))}."),
        ("p", f"In the tour de table, countries presented their work in line with the "
              f"{rng.choice(WORDS)} priority goals of the adopted Call for Action."),
        ("p", f"Plans to hold further thematic meetings and {region} working groups in "
              f"{w.year + 1} were presented."),
    ]
    return render(blocks, "html" if html else "txt")


def newsletter(rng: random.Random, w: World) -> str:
    """A newsletter with an In Focus box, SOM Decisions, a work plan table, a mission,
    a profiles table and contacts, in the seeds' mixed markdown/HTML."""
    slogan, sacr = rng.choice(SLOGANS)
    year = w.year if w.year != 2010 else 2012  # no 2011 work plan: the seeds own that one
    city = w.city
    host = rng.choice(sorted(ADJECTIVES))
    lead = rng.choice(sorted(ADJECTIVES))  # a country name; ADJECTIVES[lead] its adjective
    _, som_date = date_text(rng, year)
    conf_city, conf_country = rng.choice(CITIES)
    plan = []
    for month in sorted(rng.sample(range(1, 12), 5)):
        day = rng.randint(1, 26)
        what = rng.choice(("Workshop on Return Strategy", "Senior Officials’ Meeting",
                           "Action Plan drafting meeting", "Expert meeting on data",
                           "Ministerial Conference"))
        place = rng.choice(CITIES)[0]
        plan.append([f"<b>{day}-{day + 1} {MONTHS[month - 1]}</b>", f"<i>{what}</i>",
                     f"<b>{place}</b>"])
    final = sorted(rng.sample(COUNTRIES, 5))
    pending = sorted(set(rng.sample(COUNTRIES, 6)) - set(final))
    mission_country = rng.choice(("Ukraine", "Georgia", "Moldova", "Kazakhstan", "Armenia"))
    d1 = rng.randint(1, 20)
    contact1, contact2 = person(rng, honorific=False), person(rng, honorific=False)
    mail = ascii_name(contact1.split()[-1])
    ul = lambda xs: "<ul>" + "".join(f"<li>• {x}</li>" for x in xs) + "</ul>"  # noqa: E731
    blocks = [
        ("h", 2, "IN FOCUS"),
        ("h", 3, f"What is the {w.process} (“{slogan}”)"),
        ("quote", f"**New political process promoting {rng.choice(THEMES)} among the "
                  f"participating states:** started by the Ministerial Conference in "
                  f"{city} {year - rng.randint(1, 5)}."),
        ("h", 3, "Senior Officials’ Meeting"),
        ("p", f"The Senior Officials’ Meeting hosted by the {ADJECTIVES[host]} Presidency of the "
              f"Council of the European Union took place in {city} on {som_date}. The meeting "
              f"(SOM) gathered senior-level representatives of {rng.randint(20, 50)} countries, "
              f"{and_list(rng.sample(ORGS, 4))}."),
        ("h", 4, "SOM Decisions"),
        ("ul", [f"Yes to **Ministerial Conference in {conf_country}** ({rng.choice(MONTHS)} "
                f"{year + 1})", f"Yes to **Action Plan** for {sacr} Joint Declaration",
                f"Yes to **{rng.choice(INVITEES)}** becoming participant of the {w.process}",
                f"**{lead} in the lead of the {w.process}**"]),
        ("p", f"Participants agreed on organisation of the {sup_ordinal(rng.randint(2, 6))} "
              f"Ministerial Conference of the {w.process} during the incoming "
              f"{ADJECTIVES[lead]} EU Presidency, and on joint elaboration of the {sacr} Action "
              f"Plan."),
        ("p", f"{w.chair} officially handed over the leadership of the {w.process} to {lead}."),
        ("h", 4, f"Work Plan for {year + 1}"),
        ("table", [[f"Work Plan for {year + 1}", "", ""]] + plan),
        ("h", 2, f"Mission to {mission_country}"),
        ("p", f"On {d1}-{d1 + 3} {rng.choice(MONTHS)} {year} the mission to {mission_country} "
              f"was organised. The {sacr} delegation led by {w.co_chair} met with senior "
              f"officials of the {and_list(rng.sample(INSTITUTIONS, 3))}."),
        ("h", 3, "Extended Migration Profiles"),
        ("table", [["<i>Final and endorsed</i>", f"<i>Under preparation (expected in "
                    f"{year + 1})</i>"], [ul(final), ul(pending)]]),
        ("h", 2, "Contacts"),
        ("p", f"{rng.choice(('Mr.', 'Ms.'))} {contact1}, Ministry of Interior of {w.chair}; e-mail: "
              f"[{mail}@mvr.example](mailto:{mail}@mvr.example)"),
        ("p", f"Ms. {contact2}, Co-ordinator “{slogan}”, ICMPD; e-mail: "
              f"[{sacr.lower()}@icmpd.org](mailto:{sacr.lower()}@icmpd.org)"),
    ]
    return render(blocks, "md")



def file_name(seed: int, i: int, ext: str) -> str:
    digest = hashlib.sha256(f"gen_corpus:{seed}:{i}".encode()).hexdigest()[:16]
    return f"{FIRST_NUMBER + i:03d}_{digest}.{ext}"


def generate_one(seed: int, i: int) -> tuple[str, str]:
    """(file name, content) of distractor `i`; a pure function of (seed, i)."""
    rng = random.Random(f"gen_corpus:{seed}:{i}")
    kind = rng.choices(("som", "online", "newsletter"), weights=(5, 3, 3))[0]
    world = World.draw(rng)
    if kind == "som":
        ext = rng.choices(("txt", "md", "html"), weights=(7, 2, 1))[0]
        text = som_report(rng, world, html=ext == "html")
    elif kind == "online":
        ext = rng.choices(("txt", "html"), weights=(8, 2))[0]
        text = online_som(rng, world, html=ext == "html")
    else:
        ext = rng.choices(("txt", "md"), weights=(6, 4))[0]
        text = newsletter(rng, world)
    return file_name(seed, i, ext), text


def generate(out_dir: str | Path, n: int, *, seed: int = 0, with_seeds: bool = False) -> list[Path]:
    """Write `n` distractor reports (and optionally the seed corpus) into `out_dir`.

        >>> generate("/tmp/corpus", 300, with_seeds=True)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if with_seeds:
        for p in sorted(SEED_CORPUS.iterdir()):
            if p.is_file():
                shutil.copyfile(p, out / p.name)
                written.append(out / p.name)
    for i in range(n):
        name, text = generate_one(seed, i)
        path = out / name
        # newline="" keeps "\n" on every platform: byte-identical output.
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gen_corpus", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", help="folder to write the reports into (created if missing)")
    parser.add_argument("--n", type=int, default=300, help="number of distractor reports (300)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--with-seeds", action="store_true", help="copy the seed corpus in too")
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.n, seed=args.seed, with_seeds=args.with_seeds)
    print(f"wrote {len(paths)} files to {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
