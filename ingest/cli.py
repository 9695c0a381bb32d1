"""`dialogue-assistant ingest`: index the corpus incrementally (new, changed, removed files).

    dialogue-assistant ingest                      # the corpus from the settings
    dialogue-assistant ingest --corpus ~/reports --json
    dialogue-assistant ingest --shard 0/4          # one of four workers into one Chroma server

Exit status: 0 when every file was indexed or deliberately skipped, 1 when any file failed,
2 when the run could not start (e.g. no such corpus folder), 3 with `--no-wait` when another
ingest is writing the same store (without it, the run waits for the other to finish).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("ingest")


def parse_shard(text: str) -> tuple[int, int]:
    """'I/N' -> (I, N) with 0 <= I < N."""
    try:
        i, n = (int(p) for p in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/N, e.g. 0/4") from None
    if not (n >= 1 and 0 <= i < n):
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 <= I < N")
    return i, n


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="folder of reports (default: ASSISTANT_CORPUS_DIR or corpus/)")
    parser.add_argument("--full", action="store_true",
                        help="drop the index (or this shard's part) and rebuild it")
    parser.add_argument("--shard", type=parse_shard, metavar="I/N",
                        help="index only shard I of N (stable hash of the file path)")
    parser.add_argument("--json", action="store_true",
                        help="print the report as one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no notes; warnings and errors only")
    parser.add_argument("--no-wait", action="store_true",
                        help="when another ingest writes this store, exit 3 instead of waiting")


def run(args: argparse.Namespace) -> int:
    from assistant.settings import Settings

    from .lock import EXIT_BUSY
    from .manifest import unchanged

    if args.quiet:
        logging.getLogger().setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        log.error("bad setting: %s", exc)
        return 2
    if args.corpus is not None:
        settings = settings.with_(corpus_dir=args.corpus.expanduser())
    # Nothing changed since the last complete run: said from a directory listing, without
    # importing Chroma or the encoder (a no-change run is a fraction of a second).
    report = None if args.full or args.shard else unchanged(settings)
    if report is not None:
        log.info("%s", report.summary())
        return _print(report, args)
    from .pipeline import IngestError, StoreBusy, run_ingest

    try:
        report = run_ingest(
            settings, full=args.full, shard=args.shard, progress=False if args.quiet else None,
            wait=not args.no_wait, use_note=False,
        )
    except StoreBusy as exc:
        log.error("%s; not started (--no-wait)", exc)
        return EXIT_BUSY
    except IngestError as exc:
        log.error("%s", exc)
        return 2
    if report.chunks_total:
        # Once per store: the light encoder `ask` and `serve` use for questions.
        from assistant.onnx_encoder import ensure_export

        ensure_export(settings)
    return _print(report, args)


def _print(report, args: argparse.Namespace) -> int:
    if args.json:
        # ASCII JSON: a file name with undecodable bytes is escaped, never a broken stream.
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=True) + "\n")
        sys.stdout.flush()
    return 1 if report.failed else 0
