"""`python -m yprov4ml.prov2dot`: the same command as `python -m prov4ml.prov2dot`."""

import sys

from prov4ml.prov2dot import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m yprov4ml.prov2dot"))
