"""What one ingest run did: counts, failures, timing. `to_dict()` is the CLI's `--json` output.

    >>> report = run_ingest(settings)
    >>> report.to_dict()["failed"]        # [{"path": "bad.pdf", "error": "..."}]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class IngestReport:
    """Counts are of source files, except the chunk counts.

    `skipped` counts hidden, unsupported and empty files (each noted on stderr), `failed` holds
    one {"path", "error"} per file that could not be indexed, `chunks_embedded` the chunks that
    went through the model this run and `chunks_total` the chunks in the store afterwards.
    `cancelled` is True when the run was stopped through its cancel event (files not reached
    were left as they were).
    """

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: list[dict] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    cancelled: bool = False

    @property
    def changed(self) -> bool:
        """True when the store's content changed (derived indexes must be refreshed)."""
        return bool(self.added or self.updated or self.removed)

    def fail(self, path: str, error: str) -> None:
        self.failed.append({"path": path, "error": error})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["failed"] = [dict(f) for f in self.failed]
        d["seconds"] = round(self.seconds, 3)
        return d

    def summary(self) -> str:
        return (
            f"ingest: {self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {self.skipped} skipped, {len(self.failed)} failed; "
            f"{self.chunks_embedded} chunks embedded, {self.chunks_total} in the store; "
            f"{self.seconds:.2f} s{' (cancelled)' if self.cancelled else ''}"
        )
