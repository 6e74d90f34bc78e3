"""scikit-learn estimators that run the paper's end-to-end QOS pipelines (DESIGN.md 1.8): data
streamed as samples into sketched block encodings, a QSVT solver or filter, a classical-shadow
readout.

* :class:`QOSRidgeClassifier`: binary ridge / LS-SVM classification (``qsjax.ridge`` + shadows);
* :class:`QOSPCA`: the top principal component (``qsjax.pca`` + shadows);
* :func:`default_samples_per_query`: the sample budget both use by default.
"""

from ._common import (
    DEFAULT_N_SNAPSHOTS,
    ESTIMATOR_MODES,
    MAX_SAMPLED_SAMPLES_PER_QUERY,
    MAX_SAMPLES_PER_QUERY,
    READOUTS,
    default_samples_per_query,
)
from ._pca import MAX_DEFAULT_DEGREE, QOSPCA
from ._ridge import QOSRidgeClassifier

__all__ = [
    "DEFAULT_N_SNAPSHOTS",
    "ESTIMATOR_MODES",
    "MAX_DEFAULT_DEGREE",
    "MAX_SAMPLED_SAMPLES_PER_QUERY",
    "MAX_SAMPLES_PER_QUERY",
    "QOSPCA",
    "QOSRidgeClassifier",
    "READOUTS",
    "default_samples_per_query",
]
