"""Reads a Delta table with delta-rs (`deltalake`) and pandas, and with DuckDB's delta extension:
every version, or the error the reader gives for it, as JSON on stdout: {"latest": N, "current":
[...], "pandas_keys": [...], "versions": {"0": {"rows": [...]} | {"error": "..."}}, "duckdb":
{"current": [...], "versions": {...}}}.
Values are spelled as `subsnap show --json` spells them: 64-bit integers and decimals as strings,
dates as YYYY-MM-DD, maps as objects; rows in key order."""

import json
import os
import sys
import sysconfig

import duckdb

from deltalake import DeltaTable

from values import plain


def rows(table: DeltaTable, key: str) -> list[dict]:
    records = table.to_pyarrow_table().to_pylist()
    out = [{k: plain(v) for k, v in r.items()} for r in records]
    return sorted(out, key=lambda r: int(r[key]))


def duckdb_rows(connection, relation: str, key: str) -> list[dict]:
    cursor = connection.execute(f"SELECT * FROM {relation}")
    names = [d[0] for d in cursor.description]
    out = [{n: plain(v) for n, v in zip(names, row)} for row in cursor.fetchall()]
    return sorted(out, key=lambda r: int(r[key]))


def read_with_duckdb(path: str, key: str, latest: int) -> dict:
    """The README's DuckDB snippet, offline: the delta extension loaded from its PyPI wheel."""
    connection = duckdb.connect()
    connection.execute("SET extension_directory = ?", [os.path.join(sysconfig.get_paths()["purelib"], "duckdb_ext", "extensions")])
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("LOAD delta")
    literal = "'" + path.replace("'", "''") + "'"
    result = {"current": duckdb_rows(connection, f"delta_scan({literal})", key), "versions": {}}
    for v in range(latest + 1):
        try:
            connection.execute(f"ATTACH {literal} AS v{v} (TYPE delta, VERSION {v})")
            result["versions"][str(v)] = {"rows": duckdb_rows(connection, f"v{v}", key)}
        except Exception as e:
            result["versions"][str(v)] = {"error": f"{type(e).__name__}: {e}"}
    return result


def main() -> None:
    path, key = sys.argv[1], sys.argv[2]
    latest = DeltaTable(path)
    result = {"latest": latest.version(), "current": rows(latest, key), "versions": {}}
    for v in range(latest.version() + 1):
        try:
            result["versions"][str(v)] = {"rows": rows(DeltaTable(path, version=v), key)}
        except Exception as e:  # the reader's own error for a version whose files are gone
            result["versions"][str(v)] = {"error": f"{type(e).__name__}: {e}"}
    # pandas, as users load it: the same keys.
    result["pandas_keys"] = sorted(str(k) for k in latest.to_pandas()[key].tolist())
    result["duckdb"] = read_with_duckdb(path, key, latest.version())
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
