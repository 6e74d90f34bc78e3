"""Classical data sources: truth tables and vectors sampled i.i.d., sparse matrices sampled by
element or by row (with the Hermitian embedding and ridge augmentation as views), users' own streams."""

from ._matrix import (
    MAX_MATRIX_DIM,
    AbstractMatrixSource,
    HermitianEmbedding,
    RidgeAugmentation,
    SparseMatrix,
    hermitian_embedding,
    ridge_augmentation,
    sparse_matrix,
)
from ._sources import BooleanData, IIDSource, Stream, VectorData, from_numpy

__all__ = [
    "AbstractMatrixSource",
    "hermitian_embedding",
    "HermitianEmbedding",
    "MAX_MATRIX_DIM",
    "ridge_augmentation",
    "RidgeAugmentation",
    "sparse_matrix",
    "SparseMatrix",
    "BooleanData",
    "from_numpy",
    "IIDSource",
    "Stream",
    "VectorData",
]
