"""`dialogue-assistant eval`: run the question set and print the metrics table.

    dialogue-assistant eval                          # the configured index (ingested if empty)
    dialogue-assistant eval --distractors 300        # seeds hidden among 300 generated reports
    dialogue-assistant eval --distractors 300 --baseline --json
    dialogue-assistant eval ../shared/realdev --folds     # realdev: qa.jsonl + docs/, per fold
    dialogue-assistant eval ../shared/realdev --chat      # the same questions as one long chat

A folder holding `qa.jsonl` and `docs/` (realdev's layout) is read as questions plus corpus; it
is indexed into a temporary store (or `--store DIR`, reused when it already holds the corpus).
With --folds each question is answered by the scorer fitted without its document's fold, so
every figure is cross-validated by document; one row per fold and the pooled row.

The table (one row per system/corpus) goes to stdout; the per-question failure list and logs
to stderr. With --json, stdout holds one JSON object: {"reports": [...]} with every metric and
every question's result. Exit status: 0 when the run completed, 2 when it could not start.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import tempfile
from functools import partial
from pathlib import Path

log = logging.getLogger("eval")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QA = ROOT / "tests" / "eval" / "qa.jsonl"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("qa_file", nargs="?", type=Path, default=DEFAULT_QA,
                        help="question set, JSON lines (default: tests/eval/qa.jsonl), or a "
                             "folder with qa.jsonl and docs/ (realdev)")
    parser.add_argument("--corpus", type=Path, help="index this folder of documents and "
                        "evaluate there (default: the folder's docs/, else the configured corpus)")
    parser.add_argument("--store", type=Path, help="store folder for --corpus (default: a "
                        "temporary one); reused when it is already up to date")
    parser.add_argument("--folds", action="store_true",
                        help="cross-validated by document: each fold answered by the scorer "
                             "fitted on the other folds; one row per fold")
    parser.add_argument("--chat", action="store_true",
                        help="ask the questions as one long conversation, each after the "
                             "previous one with its answer as history")
    parser.add_argument("--distractors", type=int, metavar="N",
                        help="generate the seeds plus N distractor reports into a temporary "
                             "corpus and store, and evaluate there")
    parser.add_argument("--seed", type=int, default=0, help="distractor generator seed (0)")
    parser.add_argument("--baseline", action="store_true",
                        help="add LangChain's tutorial pipeline as a row, same corpus")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("-k", type=int, default=5, help="recall@k cut-off (5)")


def _bench(module: str):
    """Import bench.<module>; bench/ is not an installed package, so fall back to the checkout."""
    try:
        return importlib.import_module(f"bench.{module}")
    except ModuleNotFoundError:
        sys.path.insert(0, str(ROOT))
        return importlib.import_module(f"bench.{module}")


def run(args: argparse.Namespace) -> int:
    from assistant.evaluation import as_chat, format_failures, format_table, load_questions
    from assistant.settings import Settings

    qa_file, corpus = args.qa_file, args.corpus
    if qa_file.is_dir():
        qa_file, corpus = qa_file / "qa.jsonl", corpus or qa_file / "docs"
    try:
        questions = load_questions(qa_file)
        settings = Settings.from_env()
    except (OSError, ValueError) as exc:
        log.error("%s", exc)
        return 2
    if args.chat:
        questions = as_chat(questions)
    with tempfile.TemporaryDirectory(prefix="dialogue-eval-") as tmp:
        tmp_dir = Path(tmp)
        ingest = args.distractors is not None
        if corpus is not None:
            settings = settings.with_(corpus_dir=corpus.resolve(),
                                      store_dir=(args.store or tmp_dir / "store").resolve(),
                                      chroma_url=None, collection="eval")
            label = corpus.resolve().parent.name if corpus.name == "docs" else corpus.name
            ingest = True
        elif args.distractors is not None:
            corpus = tmp_dir / "corpus"
            _bench("gen_corpus").generate(corpus, args.distractors, seed=args.seed,
                                          with_seeds=True)
            settings = settings.with_(corpus_dir=corpus, store_dir=tmp_dir / "store",
                                      chroma_url=None, collection="eval")
            label = f"seeds+{args.distractors}"
        else:
            label = settings.corpus_dir.name
        if args.chat:
            label += ", as one chat"
        if args.folds:
            reports = _evaluate_folds(questions, settings, label, args.k, ingest=ingest)
        else:
            reports = [_evaluate_assistant(questions, settings, label, args.k, ingest=ingest)]
        if args.baseline:
            reports.append(_evaluate_baseline(questions, settings.corpus_dir,
                                              tmp_dir / "baseline", label, args.k))
    # Per-fold reports repeat the pooled one's questions: list the failures once.
    for report in (r for r in reports if "held out" not in r.name):
        print(format_failures(report), file=sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps({"reports": [r.to_dict() for r in reports]},
                                    ensure_ascii=False) + "\n")
    else:
        print(format_table(reports))
    sys.stdout.flush()
    return 0


def _indexed_store(settings, ingest: bool):
    from assistant.store import Store

    store = Store(settings)
    if ingest or not store.doc_records():
        from ingest.pipeline import run_ingest

        log.info("indexing %s", settings.corpus_dir)
        report = run_ingest(settings, store=store, progress=False)
        log.info("indexed: %d added, %d unchanged, %d failed, %d chunks in %.1fs", report.added,
                 report.unchanged, len(report.failed), report.chunks_total, report.seconds)
    return store


def _evaluate_assistant(questions, settings, label: str, k: int, *, ingest: bool, scorer=None,
                        store=None):
    from assistant import answer, search
    from assistant.evaluation import evaluate

    store = store or _indexed_store(settings, ingest)
    n_docs = len(store.doc_records())
    return evaluate(
        questions,
        answer_fn=partial(answer, settings=settings, scorer=scorer),
        search_fn=partial(search, settings=settings),
        doc_text_fn=store.doc_text,
        k=k,
        name=f"assistant / {label} ({n_docs} docs)",
    )


def _evaluate_folds(questions, settings, label: str, k: int, *, ingest: bool):
    """One report per fold, each answered by the scorer fitted without that fold, then all
    folds pooled (the cross-validated figure)."""
    from assistant.evaluation import FOLDS, EvalReport
    from assistant.scoring import load_scorer

    store = _indexed_store(settings, ingest)
    reports = []
    for f in range(FOLDS):
        part = [q for q in questions if q.fold == f]
        if part:
            reports.append(_evaluate_assistant(part, settings, f"{label}, fold {f} held out",
                                               k, ingest=False, scorer=load_scorer(fold=f),
                                               store=store))
    pooled = EvalReport(results=tuple(r for rep in reports for r in rep.results),
                        name=f"assistant / {label}, {FOLDS}-fold cross-validated", k=k)
    return [*reports, pooled]


def _evaluate_baseline(questions, corpus_dir: Path, persist_dir: Path, label: str, k: int):
    from assistant.evaluation import evaluate

    baseline = _bench("baseline")
    search_fn, answer_fn = baseline.build_baseline(corpus_dir, persist_dir)
    return evaluate(questions, answer_fn=answer_fn, search_fn=search_fn,
                    doc_text_fn=baseline.raw_text_fn(corpus_dir), k=k,
                    name=f"tutorial baseline / {label}")
