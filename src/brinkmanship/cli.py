"""The ``brinkmanship`` command: instructor and self-learner tools over nbgrader."""

from __future__ import annotations

import argparse
import sys

from brinkmanship import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brinkmanship", description=__doc__)
    parser.add_argument("--version", action="version", version=f"brinkmanship {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    validate = sub.add_parser("validate-data", help="validate datasets/ against datapackage.json")
    validate.set_defaults(func=_validate_data)
    return parser


def _validate_data(args: argparse.Namespace) -> int:
    from brinkmanship import data

    tables = data.load_all()
    for name, frame in tables.items():
        print(f"{name:12s} {len(frame):4d} rows  ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
