"""`python -m yprov4ml.prov_collection`: the same command as `python -m prov4ml.prov_collection`."""

import sys

from prov4ml.prov_collection import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m yprov4ml.prov_collection"))
