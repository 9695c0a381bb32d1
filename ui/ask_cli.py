"""`dialogue-assistant ask "QUESTION" [--process NAME] [--json]`.

Exit status 0 with an answer or a refusal; 2 when the question is over the length limit
(`ASSISTANT_MAX_QUESTION_CHARS`, default 2,000 characters), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--process", help='only documents of this process, e.g. "Budapest Process"')
    p.add_argument("--year-from", type=int, help="only documents from this year on")
    p.add_argument("--year-to", type=int, help="only documents up to this year")
    p.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON on stdout")


EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    from assistant import Filters, Settings, answer

    problem = Settings.from_env().question_problem(args.question)
    if problem:
        print(f"dialogue-assistant ask: {problem}", file=sys.stderr)
        return EXIT_USAGE

    filters = Filters(process=args.process, year_from=args.year_from, year_to=args.year_to,
                      sources=tuple(args.source))
    r = answer(args.question, filters=filters)
    if args.json:
        json.dump(r.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(r.text)
    for c in r.citations:
        where = ", ".join(x for x in (c.process, c.date, c.location, f"p. {c.page}" if c.page else "") if x)
        print(f"\n[{c.index}] {c.title} ({c.source}{'; ' + where if where else ''})")
        print(f'    "{c.quote}"')
    if not r.answered:
        for note in r.notes:
            print(f"({note})")
        if r.pointers:
            print("\nClosest passages (not an answer):")
            for c in r.pointers:
                print(f"  - {c.title} ({c.source}): {c.passage[:160]}…")
    return 0
