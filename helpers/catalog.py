"""A results catalog in SQLite: one row per classified image, safe for several writers.

Three habits make it safe: values always go through ``?`` placeholders (a label
such as ``x'); DROP TABLE results;--`` is stored as text, never run), the database
is in WAL mode (readers do not block the writer), and every connection has a busy
timeout (a writer waits for another instead of failing with "database is locked").
A UNIQUE (image_id, model) constraint means adding the same result twice keeps one row.

Each row may also hold ``content_sha256``, the SHA-256 of the image file it is the
result for: :func:`helpers.capstone.classify_folder` uses it to tell a re-run of the
same photo from a different photo with the same file name. Catalogs made before that
column existed get it (empty) when they are opened.
"""
from __future__ import annotations

import math
import numbers
import os
import sqlite3
from pathlib import Path

BUSY_TIMEOUT_S = 30.0
COLUMNS = ("image_id", "label", "confidence", "model", "path", "timestamp", "content_sha256")
REQUIRED = ("image_id", "label", "confidence")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id         INTEGER PRIMARY KEY,
    image_id   TEXT NOT NULL,
    label      TEXT NOT NULL,
    confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    model      TEXT NOT NULL DEFAULT '',
    path       TEXT NOT NULL DEFAULT '',
    timestamp  TEXT NOT NULL DEFAULT '',
    content_sha256 TEXT NOT NULL DEFAULT '',
    UNIQUE (image_id, model)
)"""


def open_catalog(path, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """Open (creating if needed) the catalog at ``path``: WAL mode, busy timeout, table ready.

    A catalog written before the ``content_sha256`` column existed gets it, empty
    (several processes may open the same old catalog at once: one adds it).
    """
    conn = sqlite3.connect(str(Path(path)), timeout=timeout)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")  # one process at a time creates or upgrades the table
    try:
        conn.execute(_SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(results)")}
        if "content_sha256" not in columns:
            conn.execute("ALTER TABLE results ADD COLUMN content_sha256 TEXT NOT NULL DEFAULT ''")
        conn.execute("CREATE INDEX IF NOT EXISTS results_by_content ON results (model, content_sha256)")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        conn.close()
        raise
    return conn


def _text(record, key, *, allow_int=False, allow_path=False) -> str:
    """record[key] as text: a str (an int id, a path when allowed); TypeError for anything else."""
    value = record[key]
    if isinstance(value, str):
        return value
    if allow_int and isinstance(value, (int, numbers.Integral)) and not isinstance(value, bool) and value >= 0:
        return str(int(value))
    if allow_path and isinstance(value, os.PathLike):
        return os.fspath(value)
    kinds = "a str" + (" or a non-negative int" if allow_int else "") + (" or a path" if allow_path else "")
    hint = (" (leave the key out to store '')" if key not in REQUIRED else
            " (a missing label is not a label: decide what the image is, or do not add it)")
    raise TypeError(f"record[{key!r}] must be {kinds}, got {type(value).__name__} {value!r}{hint}")


def _confidence(record) -> float:
    value = record["confidence"]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"record['confidence'] must be a number (a probability in [0, 1]), got "
                        f"{type(value).__name__} {value!r}; for a NumPy array use float(array.item())")
    confidence = float(value)  # numpy floats -> a plain REAL
    if math.isnan(confidence):
        raise ValueError(f"record['confidence'] of {record['image_id']!r} is NaN; fix the model output first")
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"record['confidence'] of {record['image_id']!r} is {confidence!r}, not a probability in "
                         "[0, 1]: apply a softmax to logits first (helpers.probabilities.softmax)")
    return confidence


def catalog_add(conn, record, *, replace=False):
    """Add one result; True if a row was added, False if (image_id, model) was already there.

    record: a dict with "image_id" (str, or a non-negative int stored as its digits),
    "label" (str) and "confidence" (a number in [0, 1]), and optionally "model",
    "path" (str or path), "timestamp" and "content_sha256" (str). Values are bound
    with placeholders, so any text is stored exactly as given. Nothing is turned into
    text by guessing: a label of None, a confidence of True or "0.5", or an unknown
    key is refused (TypeError / ValueError naming the key and the value).
    replace: when True, a row already there for (image_id, model) is overwritten
    with this record (and True is returned).
    """
    if not isinstance(record, dict):
        raise TypeError(f"record must be a dict, got {type(record).__name__}")
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise ValueError(f"the record needs {missing}; it has {sorted(record)}")
    unknown = sorted(set(record) - set(COLUMNS), key=str)
    if unknown:
        raise ValueError(f"the record has unknown keys {unknown}; the catalog's columns are {list(COLUMNS)}")
    values = (_text(record, "image_id", allow_int=True), _text(record, "label"), _confidence(record),
              *(_text(record, key, allow_path=key == "path") if key in record else ""
                for key in COLUMNS[3:]))
    if not values[0]:
        raise ValueError("record['image_id'] is empty: give each image a name or a number")
    conflict = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]) if replace
                else "DO NOTHING")
    with conn:  # one transaction: committed on success, rolled back on error
        cursor = conn.execute(
            f"INSERT INTO results ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
            f"ON CONFLICT (image_id, model) {conflict}", values)
    return cursor.rowcount == 1


def catalog_query(conn, label=None, min_confidence=0.0):
    """Rows as dicts (keys: COLUMNS), most confident first; optionally one label only."""
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a str (or None for every label), got {type(label).__name__} {label!r}")
    if isinstance(min_confidence, bool) or not isinstance(min_confidence, numbers.Real) \
            or math.isnan(min_confidence):
        raise ValueError(f"min_confidence must be a number in [0, 1], got {min_confidence!r}")
    sql = f"SELECT {', '.join(COLUMNS)} FROM results WHERE confidence >= ?"
    params = [float(min_confidence)]
    if label is not None:
        sql += " AND label = ?"
        params.append(label)
    rows = conn.execute(sql + " ORDER BY confidence DESC, image_id", params).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]


def catalog_get(conn, image_id, model=""):
    """The row (a dict, keys: COLUMNS) for ``image_id`` from ``model``, or None."""
    key = _text({"image_id": image_id}, "image_id", allow_int=True)
    row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM results WHERE image_id = ? AND model = ?",
                       (key, _text({"model": model}, "model"))).fetchone()
    return None if row is None else dict(zip(COLUMNS, row))


def catalog_has(conn, image_id, model="") -> bool:
    """True when the catalog already holds a result for ``image_id`` from ``model``."""
    return catalog_get(conn, image_id, model) is not None
