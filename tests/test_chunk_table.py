"""The index's compact chunk columns: rows read back exactly what was added, across tables
joined by `concat`, with one string table."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.chunk_table import DIM, Rows, Strings, TableBuilder, concat


def chunk(n: int, units: int, ents: bool = True) -> tuple:
    rng = np.random.default_rng(n)
    spans = [(10 * k, 10 * k + 9, "item" if k % 2 else "sentence") for k in range(units)]
    vecs = rng.normal(size=(units, DIM)).astype(np.float32)
    found = [(0, 4, "GPE"), (5, 9, f"LABEL{n}")] if ents else None
    return (f"id{n}", f"text {n}", {"source": f"s{n // 2}.txt", "start": n},
            spans, vecs, found, [f"w{n}", "shared", f"w{n}"], ["head", f"h{n}"])


def table_of(strings: Strings, chunks: list[tuple]):
    b = TableBuilder(strings)
    for c in chunks:
        b.add(*c)
    return b.build()


def assert_row(row, c: tuple) -> None:
    cid, text, meta, units, vecs, ents, toks, head = c
    assert (row.id, row.text, row.meta, row.source, row.start) == (cid, text, meta, meta["source"], meta["start"])
    assert row.units == units
    assert row.unit_vecs.dtype == np.float16 and np.array_equal(row.unit_vecs, vecs.astype(np.float16))
    assert (row.ents, row.tokens, row.head_tokens) == (ents, toks, head)


def test_rows_read_back_what_was_added_across_concatenated_tables():
    strings = Strings()
    first = [chunk(i, units=i % 3) for i in range(6)]  # chunk 0 and 3 have no units
    second = [chunk(i, units=2, ents=i != 7) for i in range(6, 9)]  # chunk 7: entities unknown
    a, b = table_of(strings, first), table_of(strings, second)
    joined = concat([(a, 0, 2), (b, 1, 3), (a, 4, 6), (a, 3, 3)])
    expected = first[0:2] + second[1:3] + first[4:6]
    rows = Rows(joined, strings)
    assert len(rows) == len(expected)
    assert len(joined.vecs) == len(joined.units) == sum(len(c[3]) for c in expected)
    for row, c in zip(rows, expected, strict=True):
        assert_row(row, c)
    assert len(strings.words) == len(set(strings.words))  # each string once
    assert rows[-1].id == expected[-1][0]
    with pytest.raises(IndexError):
        rows[len(rows)]


def test_one_whole_table_is_not_copied_and_adjacent_pieces_merge():
    strings = Strings()
    t = table_of(strings, [chunk(i, units=2) for i in range(4)])
    assert concat([(t, 0, 4)]) is t
    assert concat([(t, 0, 2), (t, 2, 4)]) is t
    assert len(concat([])) == 0


def test_unit_vectors_missing_from_a_record_read_as_zero_rows():
    strings = Strings()
    cid, text, meta, units, _, ents, toks, head = chunk(1, units=3)
    row = Rows(table_of(strings, [(cid, text, meta, units, np.zeros((0, DIM)), ents, toks, head)]), strings)[0]
    assert row.unit_vecs.shape == (3, DIM) and not row.unit_vecs.any()


def test_write_vecs_joins_pieces_from_a_mapped_file_and_from_memory(tmp_path):
    from assistant.chunk_table import write_vecs

    strings = Strings()
    first = [chunk(i, units=i % 3 + 1) for i in range(5)]
    second = [chunk(i, units=2) for i in range(5, 8)]
    a, b = table_of(strings, first), table_of(strings, second)
    a.vecs = write_vecs(tmp_path / "a.npy", [(a, 0, len(a))])  # now read from a file mapping
    assert not a.vecs.flags.writeable
    pieces = [(a, 3, 5), (b, 0, 2), (a, 0, 1)]
    joined = concat(pieces, write_vecs(tmp_path / "joined.npy", pieces, block=1))
    assert np.array_equal(joined.vecs, concat(pieces).vecs)
    for row, c in zip(Rows(joined, strings), first[3:5] + second[0:2] + first[0:1], strict=True):
        assert_row(row, c)
    assert write_vecs(tmp_path / "none.npy", []).shape == (0, DIM)
