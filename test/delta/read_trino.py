"""Reads a Delta table with Trino, through the README's statements: registers the table in the
catalog `delta` (Delta Lake connector, file metastore, local file system), then reads the current
version and every version FOR VERSION AS OF, or the error Trino gives for it. Prints JSON:
{"current": [...], "versions": {"0": {"rows": [...]} | {"error": "..."}}}.
Usage: read_trino.py PORT SCHEMA TABLE_PATH KEY LATEST. Trino spells column names in lower case; values as
`subsnap show --json` spells them, rows in key order."""

import json
import sys

import trino

from values import plain


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def rows(cursor, query: str, key: str) -> list[dict]:
    cursor.execute(query)
    records = cursor.fetchall()
    names = [d[0] for d in cursor.description]
    out = [{n: plain(v) for n, v in zip(names, r)} for r in records]
    return sorted(out, key=lambda r: int(r[key]))


def main() -> None:
    port, schema, table_path, key, latest = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    table = f"delta.{schema}.snapshot"
    cursor = trino.dbapi.connect(host="127.0.0.1", port=port, user="subsnap", catalog="delta").cursor()
    cursor.execute(f"CREATE SCHEMA delta.{schema}")
    cursor.fetchall()
    cursor.execute(
        f"CALL delta.system.register_table(schema_name => {literal(schema)}, table_name => 'snapshot', "
        f"table_location => {literal('local://' + table_path)})"
    )
    cursor.fetchall()
    result = {"current": rows(cursor, f"SELECT * FROM {table}", key), "versions": {}}
    for v in range(latest + 1):
        try:
            result["versions"][str(v)] = {"rows": rows(cursor, f"SELECT * FROM {table} FOR VERSION AS OF {v}", key)}
        except trino.exceptions.TrinoQueryError as e:  # a version whose files are gone
            result["versions"][str(v)] = {"error": e.message}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
