"""A stand-in for the Variable subsnap_command in the DAG tests. Each call is appended to CALLS as one
JSON line: its arguments and the SPARK_REMOTE it got from the DAG.

  fake_subsnap.py record CALLS PROGRAM... --          then runs PROGRAM with the call's arguments
  fake_subsnap.py play CALLS VERSION VALIDATE_EXIT    then plays a CLI: `run` prints a report that
                                                      committed VERSION, `validate` exits VALIDATE_EXIT,
                                                      every other command exits 0

The DAG appends the subcommand and its arguments to these words.
"""

import json
import os
import sys


def record(calls: str, argv: list[str]) -> None:
    with open(calls, "a", encoding="utf-8") as f:
        f.write(json.dumps({"argv": argv, "spark_remote": os.environ.get("SPARK_REMOTE")}) + "\n")


def main() -> None:
    mode, calls, *rest = sys.argv[1:]
    if mode == "record":
        end = rest.index("--")
        program, argv = rest[:end], rest[end + 1:]
        record(calls, argv)
        os.execvp(program[0], [*program, *argv])
    version, validate_exit, *argv = rest
    record(calls, argv)
    if argv[0] == "run":
        print("working...", file=sys.stderr)
        print(json.dumps({
            "committed": True, "version": int(version), "previousVersion": int(version) - 1, "snapshotPath": "/nowhere",
            "quarantinePath": None, "engine": "duckdb", "inputRecords": 1, "acceptedRecords": 1, "rejectedRecords": 0,
            "inserted": 1, "updated": 0, "unchanged": 0, "totalKeys": 1, "unmatchedSubscriptions": 0, "journalFiles": [],
            "catalogChanged": False, "warnings": [], "durationMs": 1, "message": "played",
        }))
    elif argv[0] == "validate":
        print(f"version {version}: 0/1 checks passed\n  FAIL unique keys: 1 duplicate")
        sys.exit(int(validate_exit))


if __name__ == "__main__":
    main()
