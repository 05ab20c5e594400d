"""A results catalog in SQLite: one row per classified image, safe for several writers.

Three habits make it safe: values always go through ``?`` placeholders (a label
such as ``x'); DROP TABLE results;--`` is stored as text, never run), the database
is in WAL mode (readers do not block the writer), and every connection has a busy
timeout (a writer waits for another instead of failing with "database is locked").
A UNIQUE (image_id, model) constraint means adding the same result twice keeps one row.
"""
from __future__ import annotations

import math
import sqlite3
from pathlib import Path

BUSY_TIMEOUT_S = 30.0
COLUMNS = ("image_id", "label", "confidence", "model", "path", "timestamp")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id         INTEGER PRIMARY KEY,
    image_id   TEXT NOT NULL,
    label      TEXT NOT NULL,
    confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    model      TEXT NOT NULL DEFAULT '',
    path       TEXT NOT NULL DEFAULT '',
    timestamp  TEXT NOT NULL DEFAULT '',
    UNIQUE (image_id, model)
)"""


def open_catalog(path, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """Open (creating if needed) the catalog at ``path``: WAL mode, busy timeout, table ready."""
    conn = sqlite3.connect(str(Path(path)), timeout=timeout)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    with conn:
        conn.execute(_SCHEMA)
    return conn


def catalog_add(conn, record):
    """Add one result; True if a row was added, False if (image_id, model) was already there.

    record: a dict with "image_id", "label" (str) and "confidence" (a probability),
    and optionally "model", "path" and "timestamp". Values are bound with
    placeholders, so any text is stored exactly as given.
    """
    missing = [key for key in ("image_id", "label", "confidence") if key not in record]
    if missing:
        raise ValueError(f"the record needs {missing}; it has {sorted(record)}")
    confidence = float(record["confidence"])  # numpy floats -> a plain REAL
    if math.isnan(confidence):
        raise ValueError(f"confidence of {record['image_id']!r} is NaN; fix the model output first")
    values = (str(record["image_id"]), str(record["label"]), confidence, str(record.get("model", "")),
              str(record.get("path", "")), str(record.get("timestamp", "")))
    with conn:  # one transaction: committed on success, rolled back on error
        cursor = conn.execute(
            f"INSERT INTO results ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
            "ON CONFLICT (image_id, model) DO NOTHING", values)
    return cursor.rowcount == 1


def catalog_query(conn, label=None, min_confidence=0.0):
    """Rows as dicts (keys: COLUMNS), most confident first; optionally one label only."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM results WHERE confidence >= ?"
    params = [float(min_confidence)]
    if label is not None:
        sql += " AND label = ?"
        params.append(label)
    rows = conn.execute(sql + " ORDER BY confidence DESC, image_id", params).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]


def catalog_has(conn, image_id, model="") -> bool:
    """True when the catalog already holds a result for ``image_id`` from ``model``."""
    row = conn.execute("SELECT 1 FROM results WHERE image_id = ? AND model = ?",
                       (str(image_id), str(model))).fetchone()
    return row is not None
