"""`python -m prov4ml.unify_prov --experiment E [--root prov] [--output F] [--dot] [--svg]`: every run
of an experiment in one PROV-JSON (default <root>/<E>_UNIFIED.json), through `prov4ml unify`."""

import sys

from ._commands import OneLineParser, run_cli


def main(argv=None, prog="python -m prov4ml.unify_prov"):
    parser = OneLineParser(prog=prog, description="Unify every run <root>/<experiment>_<id> of an experiment into one PROV-JSON.")
    parser.add_argument("--experiment", required=True, help="experiment name (its runs are the directories <root>/<experiment>_<id>)")
    parser.add_argument("--root", default="prov", help="provenance save directory (default: prov)")
    parser.add_argument("--output", help="PROV-JSON to write (default: <root>/<experiment>_UNIFIED.json)")
    parser.add_argument("--dot", action="store_true", help="also write the graph as .dot beside it")
    parser.add_argument("--svg", action="store_true", help="also write the graph as .svg beside it")
    args = parser.parse_args(argv)
    command = ["unify", "--experiment", args.experiment, "--root", args.root]
    if args.output is not None:
        command += ["--output", args.output]
    command += ["--dot"] * args.dot + ["--svg"] * args.svg
    return run_cli(prog, command)


if __name__ == "__main__":
    sys.exit(main())
