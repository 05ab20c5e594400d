"""The SQLite catalog: placeholders, WAL, busy timeout, several writers, no duplicates."""
import multiprocessing

import numpy as np
import pytest

from helpers.catalog import catalog_add, catalog_has, catalog_query, open_catalog

INJECTIONS = ["x'); DROP TABLE results;--", "' OR '1'='1", 'Robert"); DELETE FROM results; --', "猫", "café",
              "a\x00b"]


@pytest.fixture
def conn(tmp_path):
    connection = open_catalog(tmp_path / "catalog.sqlite")
    yield connection
    connection.close()


def test_wal_mode_and_busy_timeout(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


@pytest.mark.parametrize("label", INJECTIONS, ids=repr)
def test_injection_strings_are_stored_verbatim(conn, label):
    assert catalog_add(conn, {"image_id": label, "label": label, "confidence": 0.5})
    assert [r["label"] for r in catalog_query(conn, label=label)] == [label]
    assert [r["image_id"] for r in catalog_query(conn)] == [label]
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'results'").fetchone()[0] == 1


def test_query_filters_and_orders(conn):
    for i, (label, p) in enumerate([("tabby", 0.4), ("tabby", 0.9), ("espresso", 0.96)]):
        catalog_add(conn, {"image_id": f"im{i}", "label": label, "confidence": np.float32(p), "model": "m"})
    assert [r["image_id"] for r in catalog_query(conn)] == ["im2", "im1", "im0"]
    assert [r["image_id"] for r in catalog_query(conn, label="tabby")] == ["im1", "im0"]
    assert [r["image_id"] for r in catalog_query(conn, min_confidence=0.5)] == ["im2", "im1"]
    assert catalog_query(conn, label="Tabby") == []
    row = catalog_query(conn, label="espresso")[0]
    assert type(row["confidence"]) is float and row["model"] == "m"


def test_adding_twice_keeps_one_row(conn):
    record = {"image_id": "a", "label": "tabby", "confidence": 0.5, "model": "m"}
    assert catalog_add(conn, record) is True
    assert catalog_add(conn, record) is False
    assert catalog_add(conn, {**record, "model": "other"}) is True  # another model's result is new
    assert len(catalog_query(conn)) == 2
    assert catalog_has(conn, "a", "m") and not catalog_has(conn, "b", "m")


def test_bad_records_are_refused(conn):
    with pytest.raises(ValueError, match="confidence"):
        catalog_add(conn, {"image_id": "a", "label": "tabby"})
    with pytest.raises(ValueError, match="NaN"):
        catalog_add(conn, {"image_id": "a", "label": "tabby", "confidence": float("nan")})
    with pytest.raises(ValueError, match="1.5, not a probability"):
        catalog_add(conn, {"image_id": "a", "label": "tabby", "confidence": 1.5})
    assert catalog_query(conn) == []


ROWS_PER_PROCESS = 25
SHARED = 5


def _writer(path, worker):
    conn = open_catalog(path)
    for i in range(ROWS_PER_PROCESS):
        catalog_add(conn, {"image_id": f"w{worker}-{i}", "label": "tabby", "confidence": 0.5, "model": "m"})
        if i < SHARED:  # every writer also adds the same few rows: they must appear once
            catalog_add(conn, {"image_id": f"shared-{i}", "label": "tabby", "confidence": 0.5, "model": "m"})
    conn.close()


def test_four_processes_write_at_once_with_nothing_lost_or_doubled(tmp_path):
    path = tmp_path / "catalog.sqlite"
    open_catalog(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    conn = open_catalog(path)
    ids = [r["image_id"] for r in catalog_query(conn)]
    conn.close()
    expected = {f"w{w}-{i}" for w in range(4) for i in range(ROWS_PER_PROCESS)} | {f"shared-{i}" for i in range(SHARED)}
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == expected
