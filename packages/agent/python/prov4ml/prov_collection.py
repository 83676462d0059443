"""`python -m prov4ml.prov_collection --experiment_path P [--output_dir D]` (or the first form,
`prov_collection P`): prov_collection.json listing the rank documents of a run directory, through
`prov4ml collection`."""

import sys

from ._commands import OneLineParser, pick, run_cli


def main(argv=None, prog="python -m prov4ml.prov_collection"):
    parser = OneLineParser(prog=prog, description="Write prov_collection.json listing the rank documents of a run directory.")
    parser.add_argument("experiment_path_arg", nargs="?", metavar="experiment_path", help="run directory (or --experiment_path)")
    parser.add_argument("--experiment_path", "--experiment-path", help="directory with the rank documents")
    parser.add_argument("--output_dir", "--output-dir", help="where prov_collection.json goes (default: the experiment path)")
    args = parser.parse_args(argv)
    command = ["collection", "--experiment_path", pick(parser, "--experiment_path", args.experiment_path, args.experiment_path_arg)]
    if args.output_dir is not None:
        command += ["--output_dir", args.output_dir]
    return run_cli(prog, command)


if __name__ == "__main__":
    sys.exit(main())
