"""``facsim``: the command line.

Each subcommand lives in its own module in this package and exposes
``register(subparsers) -> None``, which adds an ``argparse`` parser whose ``func`` default takes the
parsed namespace and returns an exit code. Modules are discovered automatically, so adding a
command never edits a shared list.

Errors a user can act on (:class:`~simulator.errors.UserInputError`) print one line on stderr
and exit 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from simulator import __version__
from simulator.errors import UserInputError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"facsim: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="facsim",
        description=(
            "Facility simulator and BDD test harness for US trade reporting: the FINRA/Nasdaq "
            "TRF (Carteret, Chicago), FINRA/NYSE TRF, ADF, ORF and TRACE, on a clock you control."
        ),
    )
    parser.add_argument("--version", action="version", version=f"facsim {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(func(args) or 0)
    except UserInputError as exc:
        print(f"facsim {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``facsim journal reports | head``): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
