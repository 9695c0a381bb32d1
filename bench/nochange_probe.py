"""No-change `ingest` as a whole process on a large corpus, fast to set up: the store is built
once with random vectors and without NER (what a no-change run reads does not depend on
either), then `dialogue-assistant ingest --json` runs on the unchanged corpus: once without the
no-change note (the full comparison with every record in the store), then `--runs` times with it.

    python -m bench.nochange_probe --reports 1000 --runs 5
"""

from __future__ import annotations

import argparse
import json
import sys

from .encoder_bench import no_change_process
from .memory_probe import build


def main(argv: list[str] | None = None) -> int:
    from ingest import manifest

    parser = argparse.ArgumentParser(prog="python -m bench.nochange_probe")
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    corpus, store = build(args.reports, name="nochange", ner="off")
    (store / manifest.NAME).unlink()
    first = no_change_process(corpus, store, runs=1)  # the full comparison; writes the note
    again = no_change_process(corpus, store, runs=args.runs)
    print(json.dumps({"reports": args.reports, "first_run": first, "no_change": again}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
