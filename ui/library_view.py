"""The per-corpus parts of the page, computed from the store's document records on every page
load and after every change (never baked into the served page: with a login, nothing about
the corpus reaches a client before it): the documents table, the choices of the process filter,
the one-report filter and the remove dropdown, the example questions and the header.

    >>> render_library(records); remove_choices(records); header(records)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .names import display_title
from .render import esc

ALL = "All processes"
ANY_REPORT = "All reports"


def _label(source: str, meta: Mapping) -> str:
    return f"{display_title(meta, source)} — {source}"


def render_library(records: Mapping[str, Mapping], trashed: Iterable[str] = ()) -> str:
    """The documents tab's table (title first, file name as secondary text), and the trash."""
    trashed = list(trashed)
    if not records:
        table = '<div class="library empty">No documents indexed yet.</div>'
    else:
        rows = []
        for source in sorted(records, key=lambda s: display_title(records[s], s).lower()):
            m = records[source]
            rows.append(
                "<tr>"
                f'<td><span class="doc-name">{esc(display_title(m, source))}</span>'
                f'<br><code class="doc-file">{esc(source)}</code></td>'
                f"<td>{esc(m.get('process', ''))}</td><td>{esc(m.get('date', ''))}</td>"
                f"<td>{esc(m.get('n_chunks', 0))}</td><td>{esc(m.get('status', ''))}</td>"
                "</tr>"
            )
        table = (
            '<div class="library-wrap"><table class="library"><thead><tr><th>Report</th>'
            "<th>Process</th><th>Date</th><th>Chunks</th><th>Status</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
    count = f'<p class="library-count">{len(records)} report{"s" * (len(records) != 1)} indexed'
    count += f"; {len(trashed)} in the trash (restore below).</p>" if trashed else ".</p>"
    return count + table


def remove_choices(records: Mapping[str, Mapping]) -> list[tuple[str, str]]:
    """(label, source) pairs: reports by title, the file name after it."""
    return sorted(((_label(s, m), s) for s, m in records.items()), key=lambda p: p[0].lower())


def report_choices(records: Mapping[str, Mapping]) -> list[tuple[str, str]]:
    """The one-report filter: 'All reports' (value '') then each report by title."""
    return [(ANY_REPORT, ""), *remove_choices(records)]


def process_choices(records: Mapping[str, Mapping]) -> list[str]:
    """The distinct processes of the indexed documents, sorted."""
    return sorted({str(m.get("process")) for m in records.values() if m.get("process")})


def header(records: Mapping[str, Mapping]) -> str:
    """The page's heading and welcome, naming what is indexed (Markdown-safe: escaped)."""
    procs = process_choices(records)
    n = len(records)
    if not n:
        what = "No reports are indexed yet: add some in the Documents tab."
    else:
        names = ", ".join(procs[:-1]) + (" and " if len(procs) > 1 else "") + (procs[-1] if procs else "")
        what = f"{n} report{'s' * (n != 1)} indexed" + (f" ({esc(names)})" if procs else "") + "."
    return (
        '<div class="welcome"><h2>Migration dialogue assistant</h2>'
        "<p>Ask a question about the meeting reports. Every answer is a <b>quote from the "
        "reports</b>, with the report, page and passage it comes from; when the reports do not "
        f'say, the assistant says so. <span class="indexed">{what}</span></p></div>'
    )


MAX_EXAMPLE = 56  # Gradio's example list cuts longer samples with "..."


def example_questions(records: Mapping[str, Mapping], limit: int = 4) -> list[str]:
    """Short questions (each fits the example list) drawn from the indexed reports' meeting
    types, years, places and processes.

    >>> example_questions({"a.txt": {"meeting_type": "Senior Officials Meeting",
    ...     "process": "Budapest Process", "year": 2022, "location": "Istanbul, Türkiye"}})[0]
    'How many people attended the 2022 meeting in Istanbul?'
    """
    out: list[str] = []
    for source in sorted(records):
        m = records[source]
        meeting, process = str(m.get("meeting_type") or ""), str(m.get("process") or "")
        year = m.get("year") or ""
        where = str(m.get("location") or "").split(",")[0].strip()
        where = "" if where.lower() == "online" else where
        if meeting and meeting.lower() != "newsletter":
            name = (f"the {year} meeting in {where}" if year and where else
                    " ".join(str(p) for p in ("the", year, process, meeting) if p))
            out.append(f"How many people attended {name}?")
            out.append(f"Who opened {name}?")
        elif process:
            out.append(f"What is the {process}?")
        if where and process:
            out.append(f"What did the {process} meeting in {where} decide?")
    seen = [q for q in dict.fromkeys(out) if len(q) <= MAX_EXAMPLE]  # ordered de-duplication
    return _round_robin(seen, limit)


def _round_robin(items: Iterable[str], limit: int) -> list[str]:
    # Prefer variety: one question per kind first ("How many", "Who", "What is", ...).
    kinds: dict[str, list[str]] = {}
    for q in items:
        kinds.setdefault(" ".join(q.split()[:2]), []).append(q)
    out: list[str] = []
    while len(out) < limit and any(kinds.values()):
        for bucket in kinds.values():
            if bucket and len(out) < limit:
                out.append(bucket.pop(0))
    return out
