"""The newer original's utils package: where its programs import the getters from
(`from yprov4ml.utils import getters`, `yprov4ml.utils.getters.get_metric(...)`)."""
