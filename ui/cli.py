"""`dialogue-assistant`: one console script, a subcommand per job.

Each subcommand lives in its own module exposing `configure(parser)` and `run(args) -> int`;
modules are imported only when their subcommand runs, so `--help` and `ask` stay quick.
Logs go to stderr; `--json` output to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

COMMANDS = {
    "ingest": ("ingest.cli", "Index the corpus incrementally (new, changed and removed files)."),
    "ask": ("ui.ask_cli", "Answer one question with cited passages."),
    "serve": ("ui.serve_cli", "Serve the chat UI (loads the model and index first)."),
    "eval": ("ui.eval_cli", "Run the evaluation question set and print the metrics table."),
}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if not sys.stderr.isatty():
        # Model loading draws tqdm bars; in a log file they are fragments in front of ERROR lines.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="dialogue-assistant", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Only the chosen subcommand's module is imported.
    chosen = next((a for a in argv if a in COMMANDS), None)
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == chosen:
            importlib.import_module(module).configure(p)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return int(importlib.import_module(COMMANDS[args.command][0]).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
