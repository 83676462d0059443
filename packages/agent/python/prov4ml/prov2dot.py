"""`python -m prov4ml.prov2dot --prov_json F [--output O]` (or the first form, `prov2dot F O`): a
PROV-JSON file as Graphviz DOT, through `prov4ml prov2dot`."""

import sys

from ._commands import OneLineParser, pick, run_cli


def main(argv=None, prog="python -m prov4ml.prov2dot"):
    parser = OneLineParser(prog=prog, description="Draw a PROV-JSON file as Graphviz DOT (.json and .dot are appended when missing).")
    parser.add_argument("prov_json_arg", nargs="?", metavar="prov_json", help="PROV-JSON file (or --prov_json)")
    parser.add_argument("output_arg", nargs="?", metavar="output", help="DOT file (or --output)")
    parser.add_argument("--prov_json", "--prov-json", help="PROV-JSON file")
    parser.add_argument("--output", help="DOT file to write (default: the input with .dot)")
    parser.add_argument("--max_value_length", "--max-value-length", type=int, help="cut attribute values longer than this (default 100)")
    args = parser.parse_args(argv)
    command = ["prov2dot", "--prov_json", pick(parser, "--prov_json", args.prov_json, args.prov_json_arg)]
    output = pick(parser, "--output", args.output, args.output_arg, required=False)
    if output is not None:
        command += ["--output", output]
    if args.max_value_length is not None:
        command += ["--max_value_length", str(args.max_value_length)]
    return run_cli(prog, command)


if __name__ == "__main__":
    sys.exit(main())
