"""`python -m yprov4ml.dot2svg`: the same command as `python -m prov4ml.dot2svg`."""

import sys

from prov4ml.dot2svg import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m yprov4ml.dot2svg"))
