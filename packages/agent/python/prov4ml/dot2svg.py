"""`python -m prov4ml.dot2svg --dot F [--output O]` (or the first form, `dot2svg F O`): a DOT file as
SVG, through `prov4ml dot2svg` (Graphviz compiled to WebAssembly: no `dot` binary needed)."""

import sys

from ._commands import OneLineParser, pick, run_cli


def main(argv=None, prog="python -m prov4ml.dot2svg"):
    parser = OneLineParser(prog=prog, description="Render a DOT file as SVG (.dot and .svg are appended when missing).")
    parser.add_argument("dot_arg", nargs="?", metavar="dot", help="DOT file (or --dot)")
    parser.add_argument("output_arg", nargs="?", metavar="output", help="SVG file (or --output)")
    parser.add_argument("--dot", help="DOT file")
    parser.add_argument("--output", help="SVG file to write (default: the input with .svg)")
    args = parser.parse_args(argv)
    command = ["dot2svg", "--dot", pick(parser, "--dot", args.dot, args.dot_arg)]
    output = pick(parser, "--output", args.output, args.output_arg, required=False)
    if output is not None:
        command += ["--output", output]
    return run_cli(prog, command)


if __name__ == "__main__":
    sys.exit(main())
