"""`python -m yprov4ml.unify_prov`: the same command as `python -m prov4ml.unify_prov`."""

import sys

from prov4ml.unify_prov import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m yprov4ml.unify_prov"))
