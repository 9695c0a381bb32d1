"""`dialogue-assistant eval` on a development set in realdev's layout (a folder with qa.jsonl
and docs/), as a real subprocess: it indexes the folder, reports one row per held-out fold and
the pooled cross-validated row, and as one long chat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.evaluation import fold_of

pytestmark = pytest.mark.slow
CLI = Path(sys.executable).parent / "dialogue-assistant"

DOCS = {
    "d001_vistula.txt": ("Vistula Process Senior Officials Meeting\n\nOn 3 May 2021 the Vistula "
                         "Process met in Gdansk. Anna Kowalska opened the meeting. "
                         "Forty-two delegates attended."),
    "d002_danube.txt": ("Danube Dialogue ministerial conference\n\nThe Danube Dialogue held its "
                        "ministerial conference in Vienna on 9 October 2019. "
                        "The ministers adopted the Vienna Declaration."),
}
QA = [
    {"id": "v1", "q": "Who opened the Vistula Process meeting in Gdansk?", "any": ["Anna Kowalska"],
     "source": "d001", "type": "who"},
    {"id": "v2", "q": "Where was it held?", "history": ["Who opened the Vistula Process meeting?"],
     "any": ["Gdansk"], "source": "d001", "type": "where"},
    {"id": "v3", "q": "What did the Danube Dialogue ministers adopt?", "any": ["Vienna Declaration"],
     "source": "d002", "type": "what"},
    {"id": "v4", "q": "How many staff does the Danube Dialogue secretariat have?",
     "unanswerable": True, "kind": "near_miss"},
]


def test_eval_reads_a_realdev_folder_by_folds_and_as_a_chat(tmp_path):
    dev = tmp_path / "dev"
    (dev / "docs").mkdir(parents=True)
    for name, text in DOCS.items():
        (dev / "docs" / name).write_text(text, encoding="utf-8")
    (dev / "qa.jsonl").write_text("\n".join(json.dumps(q) for q in QA) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", ASSISTANT_STORE_DIR=str(tmp_path / "unused"))
    for extra in ((), ("--chat",)):
        proc = subprocess.run([str(CLI), "eval", str(dev), "--folds", "--json", *extra], env=env,
                              capture_output=True, text=True, timeout=600,
                              stdin=subprocess.DEVNULL, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
        reports = json.loads(proc.stdout)["reports"]
        folds = {fold_of("d001"), fold_of("d002"), fold_of("v4")}
        assert len(reports) == len(folds) + 1
        assert all("held out" in r["name"] for r in reports[:-1])
        pooled = reports[-1]
        assert "cross-validated" in pooled["name"] and pooled["metrics"]["questions"] == len(QA)
        assert pooled["metrics"]["citation_validity"] == 1.0
        if extra:
            assert "as one chat" in pooled["name"]
            by_id = {r["id"]: r for r in pooled["results"]}
            assert by_id["v3"]["answerable"]
