"""Real data sets of the paper's experiments, read from local copies with the paper's preprocessing.

Nothing here downloads. The files (see ``DATA_FILES``) live in one directory, the *data home*, found
by :func:`data_home`: an explicit ``data_home=`` argument, else the environment variable
``QSJAX_DATA``, else the first existing of ``~/qsjax_data`` and ``<repository>/../shared/data``.

Every loader returns a :class:`Dataset` with a train and a test split:

* text (IMDb, 20 Newsgroups): TF-IDF with English stop words, fitted on the training texts only (the
  paper sweeps ``min_df``), on the official train/test split;
* counts (PBMC3k single-cell RNA): ``log1p`` of the UMI counts of the genes seen in at least
  ``min_cells`` cells, stratified split;
* DNA (UCI splice junctions): normalised overlapping ``k``-mer frequencies (``k = 6`` in the paper),
  stratified split;
* scikit-learn's bundled tabular sets (breast cancer, a pair of digits, iris, wine): dense, scaled
  with a scaler fitted on the training split (max-abs by default: entries in ``[-1, 1]``, the range
  the quantum element oracle needs).

Sparse matrices are ``scipy.sparse.csr_array`` of float64 (the format of
:meth:`qsjax.data.SparseMatrix.to_scipy`), with sorted indices and no explicit zeros. Rows of every
split are in a random order fixed by ``random_state`` (the membership of an official split never
depends on it), so a prefix ``x_train[:n]`` is not one class.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import itertools
import json
import numbers
import os
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import scipy.io
import scipy.sparse
import sklearn.datasets
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from .._internal.validate import integer_arg, real_scalar

DATA_ENV_VAR = "QSJAX_DATA"
"""Environment variable naming the data home (the directory holding ``DATA_FILES``)."""

DATA_FILES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "imdb": ("imdb.csv.gz",),
        "20newsgroups": ("20newsgroups.jsonl.gz",),
        "pbmc3k": (
            "pbmc3k/matrix.mtx.gz",
            "pbmc3k/genes.tsv.gz",
            "pbmc3k/barcodes.tsv.gz",
            "pbmc3k/cell_labels.tsv.gz",
        ),
        "splice": ("splice.csv.gz",),
    }
)
"""The files each file-backed data set reads, relative to the data home."""

NEWSGROUPS_CATEGORIES: tuple[str, ...] = (
    "alt.atheism",
    "comp.graphics",
    "comp.os.ms-windows.misc",
    "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware",
    "comp.windows.x",
    "misc.forsale",
    "rec.autos",
    "rec.motorcycles",
    "rec.sport.baseball",
    "rec.sport.hockey",
    "sci.crypt",
    "sci.electronics",
    "sci.med",
    "sci.space",
    "soc.religion.christian",
    "talk.politics.guns",
    "talk.politics.mideast",
    "talk.politics.misc",
    "talk.religion.misc",
)
"""The 20 newsgroups in scikit-learn's (alphabetical) ``target`` order."""

SPLICE_CLASSES: tuple[str, ...] = ("EI", "IE", "N")
"""Splice-junction classes: exon/intron (donor), intron/exon (acceptor), neither."""

SKLEARN_DATASETS: tuple[str, ...] = ("breast_cancer", "digits", "iris", "wine")
"""Names accepted by :func:`load_sklearn` (the data ship with scikit-learn)."""

MAX_KMER = 10
"""Largest ``k`` of :func:`load_splice` (``4**10`` = 1,048,576 features)."""

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # .../qsjax
_NUCLEOTIDES = "ACGT"
_IUPAC = frozenset("ACGTURYSWKMBDHVN")
_CACHE_SIZE = 4


# ----------------------------------------------------------------------------- the Dataset


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A labelled data set with a train and a test split.

    Attributes
    ----------
    name : short name (``"imdb"``, ``"splice"``, ...).
    x_train, x_test : feature matrices, ``(n_train, d)`` and ``(n_test, d)``: a
        ``scipy.sparse.csr_array`` of float64 for text, counts and k-mers, a dense float64
        ``ndarray`` for scikit-learn's tabular sets.
    y_train, y_test : int64 labels in ``0 .. len(target_names) - 1`` (``-1`` marks an unlabelled
        sample, see :func:`load_pbmc3k`).
    target_names : the class of each label value.
    feature_names : the name of each column, or ``None``.
    description : one line: source and preprocessing.
    train_index, test_index : where each row comes from: its position in the source's split (the
        official split's order in the file, for IMDb and 20 Newsgroups), or ``None``.
    """

    name: str
    x_train: object
    x_test: object
    y_train: np.ndarray
    y_test: np.ndarray
    target_names: tuple[str, ...]
    feature_names: tuple[str, ...] | None
    description: str
    train_index: np.ndarray | None = None
    test_index: np.ndarray | None = None

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"Dataset name must be a str, got {type(self.name).__name__}")
        shapes = {}
        for split in ("train", "test"):
            x = getattr(self, f"x_{split}")
            if not (scipy.sparse.issparse(x) or isinstance(x, np.ndarray)):
                raise TypeError(
                    f"Dataset x_{split} must be a scipy.sparse matrix/array or a numpy ndarray, "
                    f"got {type(x).__name__}"
                )
            if x.ndim != 2:
                raise ValueError(f"Dataset x_{split} must be 2-D, got shape {x.shape}")
            y = np.asarray(getattr(self, f"y_{split}"))
            if y.ndim != 1 or y.shape[0] != x.shape[0]:
                raise ValueError(
                    f"Dataset y_{split} must be 1-D with one label per row of x_{split} "
                    f"({x.shape[0]}), got shape {y.shape}"
                )
            if y.size and not np.issubdtype(y.dtype, np.integer):
                raise TypeError(f"Dataset y_{split} must hold integer labels, got dtype {y.dtype}")
            object.__setattr__(self, f"y_{split}", y.astype(np.int64, copy=False))
            shapes[split] = x.shape
        if shapes["train"][1] != shapes["test"][1]:
            raise ValueError(
                f"Dataset x_train and x_test must have the same number of columns, got "
                f"{shapes['train'][1]} and {shapes['test'][1]}"
            )
        names = tuple(self.target_names)
        if not all(isinstance(t, str) for t in names):
            raise TypeError("Dataset target_names must be strings")
        object.__setattr__(self, "target_names", names)
        for split in ("train", "test"):
            y = getattr(self, f"y_{split}")
            if y.size and (y.min() < -1 or y.max() >= len(names)):
                raise ValueError(
                    f"Dataset y_{split} must lie in [-1, {len(names) - 1}] for {len(names)} "
                    f"target_names, got values in [{y.min()}, {y.max()}]"
                )
        if self.feature_names is not None:
            feats = tuple(self.feature_names)
            if len(feats) != shapes["train"][1]:
                raise ValueError(
                    f"Dataset feature_names has {len(feats)} names for {shapes['train'][1]} columns"
                )
            object.__setattr__(self, "feature_names", feats)
        if not isinstance(self.description, str):
            raise TypeError("Dataset description must be a str")
        for split in ("train", "test"):
            idx = getattr(self, f"{split}_index")
            if idx is not None:
                idx = np.asarray(idx)
                if idx.shape != (shapes[split][0],) or not np.issubdtype(idx.dtype, np.integer):
                    raise ValueError(
                        f"Dataset {split}_index must hold one integer per row of x_{split} "
                        f"({shapes[split][0]}), got shape {idx.shape} and dtype {idx.dtype}"
                    )
                object.__setattr__(self, f"{split}_index", idx.astype(np.int64, copy=False))

    # --------------------------------------------------------------- sizes of the training matrix

    @property
    def n_samples(self) -> int:
        """Number of training samples (rows of ``x_train``)."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test samples (rows of ``x_test``)."""
        return int(self.x_test.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features (columns)."""
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (``len(target_names)``)."""
        return len(self.target_names)

    @property
    def nnz(self) -> int:
        """Number of nonzero entries of ``x_train``."""
        return int(_nonzero_counts(self.x_train, axis=None))

    @property
    def row_sparsity(self) -> int:
        """Most nonzeros in any row of ``x_train``."""
        counts = _nonzero_counts(self.x_train, axis=1)
        return int(counts.max()) if counts.size else 0

    @property
    def col_sparsity(self) -> int:
        """Most nonzeros in any column of ``x_train``."""
        counts = _nonzero_counts(self.x_train, axis=0)
        return int(counts.max()) if counts.size else 0

    @property
    def sparsity(self) -> int:
        """The sparsity ``s`` of the paper's machine-size formulas: the most nonzeros in any row or
        column of ``x_train`` (``max(row_sparsity, col_sparsity)``)."""
        return max(self.row_sparsity, self.col_sparsity)

    def __repr__(self) -> str:
        kind = "sparse" if scipy.sparse.issparse(self.x_train) else "dense"
        return (
            f"Dataset({self.name!r}, train {self.x_train.shape}, test {self.x_test.shape}, {kind}, "
            f"classes {self.target_names})"
        )


def _nonzero_counts(x, axis):
    """Nonzeros of ``x`` (in all, per row or per column); stored zeros of a sparse matrix don't count."""
    if scipy.sparse.issparse(x):
        x = scipy.sparse.csr_array(x)
        if x.nnz and not np.all(x.data != 0):
            x = x.copy()
            x.eliminate_zeros()
        if axis is None:
            return x.nnz
        if axis == 1:
            return np.diff(x.indptr)
        return np.bincount(x.indices, minlength=x.shape[1])
    return np.count_nonzero(x, axis=axis)


# ----------------------------------------------------------------------------- finding the files


def _as_path(value, name: str) -> Path:
    if isinstance(value, bool) or not isinstance(value, str | os.PathLike):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__} {value!r}")
    return Path(os.fspath(value)).expanduser()


def _default_dirs() -> tuple[Path, ...]:
    dirs = []
    try:
        dirs.append(Path.home() / "qsjax_data")
    except RuntimeError:  # no home directory can be determined
        pass
    dirs.append(_PACKAGE_DIR.parent.parent / "shared" / "data")
    return tuple(dirs)


def _all_files_hint() -> str:
    files = ", ".join(f for names in DATA_FILES.values() for f in names)
    return (
        f"put the data files ({files}) in one directory and set the environment variable "
        f"{DATA_ENV_VAR} to it, or pass data_home=<that directory>; nothing is ever downloaded"
    )


def _resolve_home(path) -> tuple[Path | None, str]:
    """The data home and how it was chosen, or ``None`` and the directories that were searched."""
    if path is not None:
        p = _as_path(path, "data_home")
        return (p.resolve() if p.is_dir() else None), f"data_home={os.fspath(path)!r}"
    env = os.environ.get(DATA_ENV_VAR, "")
    if env:
        p = Path(env).expanduser()
        return (p.resolve() if p.is_dir() else None), f"{DATA_ENV_VAR}={env!r}"
    dirs = _default_dirs()
    for d in dirs:
        if d.is_dir():
            return d.resolve(), f"the default {str(d)!r}"
    searched = ", ".join(repr(str(d)) for d in dirs)
    return None, f"the defaults {searched} ({DATA_ENV_VAR} is not set)"


def data_home(path=None) -> Path:
    """The directory holding the data files.

    Parameters
    ----------
    path : str or os.PathLike, optional
        An explicit directory; it wins over everything else.

    Returns
    -------
    pathlib.Path
        The resolved directory: ``path`` if given, else the environment variable ``QSJAX_DATA`` if
        set (and non-empty), else the first existing of ``~/qsjax_data`` and
        ``<repository>/../shared/data`` (located relative to the installed package).

    Raises
    ------
    FileNotFoundError
        If the chosen directory does not exist (an explicit ``path`` or ``QSJAX_DATA`` is never
        silently replaced by a default), or no default exists; the message names what was searched.
    TypeError
        If ``path`` is not a str or path-like.
    """
    home, how = _resolve_home(path)
    if home is None:
        raise FileNotFoundError(
            f"no qsjax data directory: {how} is not an existing directory; {_all_files_hint()}"
        )
    return home


def _data_file(dataset: str, relpath: str, home_arg) -> Path:
    """The path of one data file, or a FileNotFoundError naming it, where it was looked for and the fix."""
    home, how = _resolve_home(home_arg)
    if home is None:
        raise FileNotFoundError(
            f"{dataset} needs the file {relpath!r}, but no data directory was found ({how} is not an "
            f"existing directory); {_all_files_hint()}"
        )
    p = home / relpath
    if not p.is_file():
        raise FileNotFoundError(
            f"{dataset} needs the file {str(p)!r}, which does not exist (data directory {str(home)!r}, "
            f"chosen by {how}); {_all_files_hint()}"
        )
    return p


def _stamp(p: Path) -> tuple[str, int, int]:
    """Cache key of a file: its path, modification time and size (a replaced file is re-read)."""
    st = p.stat()
    return (str(p), st.st_mtime_ns, st.st_size)


_FORMAT_ERRORS = (
    gzip.BadGzipFile,
    EOFError,
    zlib.error,
    UnicodeDecodeError,
    json.JSONDecodeError,
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
)


def _corrupt(path: str, exc: BaseException) -> ValueError:
    return ValueError(
        f"cannot read the data file {path!r}: it is unreadable or corrupt ({type(exc).__name__}: {exc}); "
        "replace it with a fresh copy"
    )


class _BadContent(ValueError):
    """A data file that parses but does not hold what it should (already names the file)."""


def _bad_content(path: str, what: str) -> ValueError:
    return _BadContent(f"the data file {path!r} is not in the expected format: {what}")


def _require_columns(df: pd.DataFrame, columns, path: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise _bad_content(path, f"missing column(s) {missing} (has {list(df.columns)})")


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


# ----------------------------------------------------------------------------- argument checks


def _random_state(value, name: str = "random_state") -> np.random.RandomState:
    """A numpy RandomState from ``None``, an int seed or a RandomState (scikit-learn's convention)."""
    if value is None or isinstance(value, np.random.RandomState):
        return value if value is not None else np.random.RandomState()
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be None, an int seed or a numpy.random.RandomState, got "
            f"{type(value).__name__} {value!r}"
        )
    seed = int(value)
    if not 0 <= seed < 2**32:
        raise ValueError(f"{name} must be in [0, 2**32), got {seed}")
    return np.random.RandomState(seed)


def _int_in(value, name: str, lo: int, hi: int | None = None, what: str | None = None) -> int:
    v = integer_arg(value, name, what or "an integer")
    if v < lo or (hi is not None and v > hi):
        rng = f"at least {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name} must be {what or 'an integer'} {rng}, got {v}")
    return v


def _doc_freq(value, name: str, *, allow_zero: bool):
    """A ``min_df``/``max_df`` value: an int document count (>= 1) or a float proportion."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an int document count or a float proportion, got the bool {value!r}")
    if isinstance(value, numbers.Integral):
        v = int(value)
        if v < 1:
            raise ValueError(f"{name} must be a document count >= 1 or a proportion in [0, 1], got {v}")
        return v
    if isinstance(value, numbers.Real):
        f = real_scalar(value, name)
        ok = (0.0 <= f <= 1.0) if allow_zero else (0.0 < f <= 1.0)
        if not ok:
            interval = "[0, 1]" if allow_zero else "(0, 1]"
            raise ValueError(f"{name} as a proportion of documents must be in {interval}, got {f!r}")
        return f
    raise TypeError(
        f"{name} must be an int document count or a float proportion, got {type(value).__name__} {value!r}"
    )


def _stop_words(value):
    if value is None or value == "english":
        return value
    if isinstance(value, str):
        raise ValueError(f"stop_words must be 'english', None or a collection of words, got {value!r}")
    try:
        words = list(value)
    except TypeError:
        raise TypeError(
            f"stop_words must be 'english', None or a collection of words, got {type(value).__name__}"
        ) from None
    if not all(isinstance(w, str) for w in words):
        raise TypeError("stop_words must hold strings only")
    return words


def _names(value, name: str, valid: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """A tuple of at least two distinct names from ``valid`` (a single str is refused)."""
    if isinstance(value, str):
        raise TypeError(
            f"{name} must be a sequence of {kind} names, got the single str {value!r}: wrap it in a tuple"
        )
    try:
        names = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of {kind} names, got {type(value).__name__}") from None
    for v in names:
        if not isinstance(v, str):
            raise TypeError(f"{name} must hold {kind} names (str), got {type(v).__name__} {v!r}")
        if v not in valid:
            close = difflib.get_close_matches(v, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown {kind} {v!r} in {name}{hint}; valid {kind} names are {list(valid)}")
    if len(names) < 2:
        raise ValueError(f"{name} must name at least two {kind}s (one label per {kind}), got {names}")
    dup = sorted({v for v in names if names.count(v) > 1})
    if dup:
        raise ValueError(f"{name} names {dup} more than once")
    return names


def _subset_size(value, name: str, available: int, n_classes: int, what: str) -> int | None:
    if value is None:
        return None
    v = integer_arg(value, name, "None or a positive integer")
    if v < n_classes:
        raise ValueError(f"{name} must be at least the number of classes {n_classes} (stratified), got {v}")
    if v > available:
        raise ValueError(f"{name}={v} exceeds the {available} {what} available")
    return v


def _test_size(value, n: int, n_classes: int):
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"test_size must be a float in (0, 1) or an int count, got the bool {value!r}")
    if isinstance(value, numbers.Integral):
        v = int(value)
        if not n_classes <= v <= n - n_classes:
            raise ValueError(
                f"test_size as a count must be in [{n_classes}, {n - n_classes}] (each of the "
                f"{n_classes} classes in both splits of {n} samples), got {v}"
            )
        return v
    if isinstance(value, numbers.Real):
        f = real_scalar(value, "test_size")
        if not 0.0 < f < 1.0:
            raise ValueError(f"test_size as a fraction must be in (0, 1), got {f!r}")
        return f
    raise TypeError(
        f"test_size must be a float in (0, 1) or an int count, got {type(value).__name__} {value!r}"
    )


# ----------------------------------------------------------------------------- shared preprocessing


def _stratified_subset(y: np.ndarray, n: int | None, rng: np.random.RandomState) -> np.ndarray:
    """Indices of a stratified random subset of size ``n`` (all of ``y`` when ``None``), shuffled.

    Class ``c`` of ``n_c`` members gets ``floor(n n_c / N)`` draws plus one for the classes of the
    largest remainders (every class at least one while ``n >= #classes``)."""
    total = y.shape[0]
    if n is None or n == total:
        return rng.permutation(total)
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = n * counts / total
    take = np.floor(quota).astype(np.int64)
    take = np.maximum(take, np.minimum(1, counts))
    short = n - int(take.sum())
    if short > 0:
        order = np.argsort(-(quota - take), kind="stable")
        room = order[take[order] < counts[order]]
        take[room[:short]] += 1
    elif short < 0:  # the at-least-one rule overshot: take back from the largest classes
        for c in np.argsort(-take, kind="stable")[:-short]:
            take[c] -= 1
    chosen = [
        rng.choice(np.flatnonzero(inverse == c), size=take[c], replace=False) for c in range(classes.size)
    ]
    return rng.permutation(np.concatenate(chosen))


def _split(y: np.ndarray, test_size, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test indices (scikit-learn's ``train_test_split``), both shuffled."""
    n_classes = np.unique(y).size
    test_size = _test_size(test_size, y.shape[0], n_classes)
    try:
        return train_test_split(np.arange(y.shape[0]), test_size=test_size, stratify=y, random_state=rng)
    except ValueError as exc:
        raise ValueError(f"test_size={test_size!r} gives no valid stratified split: {exc}") from exc


def _csr(x) -> scipy.sparse.csr_array:
    out = scipy.sparse.csr_array(x, dtype=np.float64)
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def _tfidf(texts_train, texts_test, *, stop_words, min_df, max_df, max_features):
    """TF-IDF (scikit-learn defaults: l2 rows, smoothed idf) fitted on the training texts only."""
    vec = TfidfVectorizer(
        stop_words=stop_words, min_df=min_df, max_df=max_df, max_features=max_features, dtype=np.float64
    )
    try:
        x_train = vec.fit_transform(texts_train)
    except ValueError as exc:
        raise ValueError(
            f"TF-IDF with min_df={min_df!r}, max_df={max_df!r} on {len(texts_train)} training documents "
            f"failed: {exc}"
        ) from exc
    x_test = vec.transform(texts_test)
    return _csr(x_train), _csr(x_test), tuple(vec.get_feature_names_out().tolist())


def _text_args(n_docs, min_df, max_df, max_features, stop_words):
    min_df = _doc_freq(min_df, "min_df", allow_zero=True)
    max_df = _doc_freq(max_df, "max_df", allow_zero=False)
    if isinstance(min_df, int) and min_df > n_docs:
        raise ValueError(f"min_df={min_df} exceeds the {n_docs} training documents: no term can remain")
    lo = min_df if isinstance(min_df, int) else min_df * n_docs
    hi = max_df if isinstance(max_df, int) else max_df * n_docs
    if hi < lo:
        raise ValueError(
            f"max_df={max_df!r} allows fewer documents ({hi:g}) than min_df={min_df!r} requires ({lo:g}) "
            f"on {n_docs} training documents"
        )
    if max_features is not None:
        max_features = _int_in(max_features, "max_features", 1, what="None or a positive integer")
    return min_df, max_df, max_features, _stop_words(stop_words)


def _df_words(min_df, max_df, max_features, stop_words) -> str:
    sw = (
        "English stop words"
        if stop_words == "english"
        else ("no stop words" if stop_words is None else "custom stop words")
    )
    extra = "" if max_df == 1.0 else f", max_df={max_df!r}"
    extra += "" if max_features is None else f", max_features={max_features}"
    return f"TF-IDF ({sw}, min_df={min_df!r}{extra}, l2 rows) fitted on train"


# ----------------------------------------------------------------------------- IMDb


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _read_imdb(stamp):
    path = stamp[0]
    try:
        df = pd.read_csv(path, keep_default_na=False, na_filter=False, dtype={"text": str, "split": str})
    except _FORMAT_ERRORS as exc:
        raise _corrupt(path, exc) from exc
    _require_columns(df, ("text", "label", "split"), path)
    splits = set(df["split"].unique().tolist())
    if not splits <= {"train", "test"}:
        raise _bad_content(path, f"column 'split' must hold 'train'/'test', found {sorted(splits)}")
    try:
        labels = df["label"].to_numpy().astype(np.int64)
    except (TypeError, ValueError) as exc:
        raise _bad_content(path, f"column 'label' must hold 0/1 integers ({exc})") from exc
    if not np.isin(labels, (0, 1)).all():
        raise _bad_content(path, f"column 'label' must hold 0/1, found {np.unique(labels).tolist()[:10]}")
    out = []
    for split in ("train", "test"):
        mask = (df["split"] == split).to_numpy()
        if not mask.any():
            raise _bad_content(path, f"no {split!r} rows")
        out += [tuple(df["text"][mask].tolist()), _readonly(labels[mask].copy())]
    return tuple(out)


def imdb_texts(data_home=None) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """The raw IMDb reviews and labels of the official train/test split.

    For baselines that vectorise differently (e.g. feature hashing) and for sweeps: the parsed file
    is cached per path (and modification time), so repeated calls read the 50,000 reviews once.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Directory holding ``imdb.csv.gz`` (see :func:`data_home`).

    Returns
    -------
    texts_train : list of str
        The 25,000 training reviews, unchanged (they keep the ``<br />`` tags), in file order.
    y_train : ndarray of int64
        1 = positive (rating >= 7), 0 = negative (rating <= 4).
    texts_test, y_test
        The 25,000 test reviews and labels.

    Raises
    ------
    FileNotFoundError
        If ``imdb.csv.gz`` is not in the data home.
    ValueError
        If the file is corrupt or lacks the columns ``text,label,split``.
    """
    p = _data_file("imdb", DATA_FILES["imdb"][0], data_home)
    tr, ytr, te, yte = _read_imdb(_stamp(p))
    return list(tr), ytr.copy(), list(te), yte.copy()


def load_imdb(
    data_home=None,
    *,
    min_df=5,
    max_df=1.0,
    max_features=None,
    stop_words="english",
    n_train=None,
    n_test=None,
    random_state=0,
) -> Dataset:
    """IMDb movie reviews (Maas et al. 2011) as TF-IDF vectors: the paper's sentiment task.

    The official 25,000 / 25,000 train/test split (balanced); ``TfidfVectorizer`` with English stop
    words and ``min_df`` (the paper sweeps ``min_df`` to trade the feature count ``d`` against
    accuracy), fitted on the training texts only; rows have unit l2 norm.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Directory holding ``imdb.csv.gz`` (see :func:`data_home`).
    min_df : int or float, default 5
        Ignore terms in fewer training documents than this (an int count >= 1, or a proportion in
        ``[0, 1]``).
    max_df : int or float, default 1.0
        Ignore terms in more training documents than this (count, or proportion in ``(0, 1]``).
    max_features : int, optional
        Keep only the most frequent terms.
    stop_words : "english", None or collection of str, default "english"
        Passed to ``TfidfVectorizer``.
    n_train, n_test : int, optional
        Stratified random subsets of the official splits (the vectoriser is then fitted on the
        ``n_train`` training reviews drawn). ``None``: the whole split.
    random_state : int, RandomState or None, default 0
        Draws the subsets and the order of the rows (every split is shuffled).

    Returns
    -------
    Dataset
        ``x_train``/``x_test`` CSR float64; labels 1 = positive; ``feature_names`` the vocabulary.
    """
    p = _data_file("imdb", DATA_FILES["imdb"][0], data_home)
    tr, ytr, te, yte = _read_imdb(_stamp(p))
    return _text_dataset(
        "imdb",
        (tr, ytr, te, yte),
        ("negative", "positive"),
        "IMDb Large Movie Review v1.0 (Maas et al. 2011)",
        ("IMDb training reviews", "IMDb test reviews"),
        n_train=n_train,
        n_test=n_test,
        min_df=min_df,
        max_df=max_df,
        max_features=max_features,
        stop_words=stop_words,
        random_state=random_state,
    )


def _text_dataset(
    name,
    splits,
    target_names,
    source,
    what,
    *,
    n_train,
    n_test,
    min_df,
    max_df,
    max_features,
    stop_words,
    random_state,
) -> Dataset:
    """The text loaders' common part: stratified subsets of the official splits, TF-IDF fitted on
    the training documents drawn, and the :class:`Dataset` with its description."""
    tr, ytr, te, yte = splits
    k = len(target_names)
    n_train = _subset_size(n_train, "n_train", len(tr), k, what[0])
    n_test = _subset_size(n_test, "n_test", len(te), k, what[1])
    min_df, max_df, max_features, stop_words = _text_args(
        n_train or len(tr), min_df, max_df, max_features, stop_words
    )
    rng = _random_state(random_state)
    i_tr = _stratified_subset(ytr, n_train, rng)
    i_te = _stratified_subset(yte, n_test, rng)
    x_train, x_test, vocab = _tfidf(
        [tr[i] for i in i_tr],
        [te[i] for i in i_te],
        stop_words=stop_words,
        min_df=min_df,
        max_df=max_df,
        max_features=max_features,
    )
    sub = "" if n_train is None and n_test is None else f", stratified subsets {i_tr.size}/{i_te.size}"
    return Dataset(
        name=name,
        x_train=x_train,
        x_test=x_test,
        y_train=ytr[i_tr],
        y_test=yte[i_te],
        train_index=i_tr,
        test_index=i_te,
        target_names=tuple(target_names),
        feature_names=vocab,
        description=(
            f"{source}, official train/test split{sub}; {_df_words(min_df, max_df, max_features, stop_words)}"
        ),
    )


# ----------------------------------------------------------------------------- 20 Newsgroups


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _read_20newsgroups(stamp):
    path = stamp[0]
    cols = {s: {"text": [], "text_stripped": [], "label": []} for s in ("train", "test")}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                rec = json.loads(line)
                split, label = rec["split"], rec["label"]
                if split not in cols:
                    raise _bad_content(path, f"line {lineno}: split {split!r} is not 'train'/'test'")
                if (
                    isinstance(label, bool)
                    or not isinstance(label, int)
                    or not 0 <= label < len(NEWSGROUPS_CATEGORIES)
                    or rec["label_name"] != NEWSGROUPS_CATEGORIES[label]
                ):
                    raise _bad_content(
                        path,
                        f"line {lineno}: label {label!r} / label_name {rec.get('label_name')!r} "
                        "do not match the 20 newsgroups",
                    )
                c = cols[split]
                c["text"].append(rec["text"])
                c["text_stripped"].append(rec["text_stripped"])
                c["label"].append(label)
    except _BadContent:
        raise
    except _FORMAT_ERRORS as exc:
        raise _corrupt(path, exc) from exc
    out = {}
    for split, c in cols.items():
        if not c["label"]:
            raise _bad_content(path, f"no {split!r} records")
        out[split] = (
            tuple(c["text"]),
            tuple(c["text_stripped"]),
            _readonly(np.asarray(c["label"], np.int64)),
        )
    return out


def load_20newsgroups(
    categories=("alt.atheism", "soc.religion.christian"),
    data_home=None,
    *,
    stripped=True,
    min_df=1,
    max_df=1.0,
    max_features=None,
    stop_words="english",
    n_train=None,
    n_test=None,
    random_state=0,
) -> Dataset:
    """20 Newsgroups ("bydate" split) as TF-IDF vectors, for chosen categories.

    The label of a post is the index of its newsgroup in ``categories`` (two categories: a binary
    task, the paper's setting; more: labels ``0 .. k-1``). TF-IDF with English stop words, fitted on
    the training posts of those categories only, as for IMDb.

    Parameters
    ----------
    categories : sequence of str, default ("alt.atheism", "soc.religion.christian")
        Two or more distinct names from :data:`NEWSGROUPS_CATEGORIES`; ``None`` takes all 20 (labels
        then equal scikit-learn's ``target``).
    data_home : str or os.PathLike, optional
        Directory holding ``20newsgroups.jsonl.gz`` (see :func:`data_home`).
    stripped : bool, default True
        Use the texts with headers, signature blocks and quotes removed (scikit-learn's
        ``remove=("headers", "footers", "quotes")``), which hides the trivial cues; ``False``: the
        raw latin-1 posts. Some stripped posts are empty (all-zero rows).
    min_df, max_df, max_features, stop_words
        As for :func:`load_imdb` (default ``min_df=1``).
    n_train, n_test : int, optional
        Stratified random subsets of the official splits.
    random_state : int, RandomState or None, default 0
        Draws the subsets and the order of the rows.

    Returns
    -------
    Dataset
        CSR float64 TF-IDF matrices; ``target_names`` = ``categories``.

    Notes
    -----
    With ``categories=("alt.atheism", "talk.religion.misc", "comp.graphics", "sci.space")``,
    ``stripped=False``, ``stop_words=None`` and ``min_df=1``, ``x_train`` has scikit-learn's
    documented shape ``(2034, 34118)``.
    """
    categories = NEWSGROUPS_CATEGORIES if categories is None else categories
    categories = _names(categories, "categories", NEWSGROUPS_CATEGORIES, "newsgroup")
    if not isinstance(stripped, bool | np.bool_):
        raise TypeError(f"stripped must be a bool, got {type(stripped).__name__} {stripped!r}")
    p = _data_file("20newsgroups", DATA_FILES["20newsgroups"][0], data_home)
    data = _read_20newsgroups(_stamp(p))
    code = np.full(len(NEWSGROUPS_CATEGORIES), -1, np.int64)
    code[[NEWSGROUPS_CATEGORIES.index(c) for c in categories]] = np.arange(len(categories))
    picked = {}
    for split in ("train", "test"):
        raw, strip, lab = data[split]
        texts = strip if stripped else raw
        y = code[lab]
        keep = np.flatnonzero(y >= 0)
        picked[split] = ([texts[i] for i in keep], y[keep])
    (tr, ytr), (te, yte) = picked["train"], picked["test"]
    which = "headers/footers/quotes stripped" if stripped else "raw posts"
    return _text_dataset(
        "20newsgroups",
        (tr, ytr, te, yte),
        categories,
        f"20 Newsgroups bydate ({', '.join(categories)}; {which})",
        ("training posts of these categories", "test posts of these categories"),
        n_train=n_train,
        n_test=n_test,
        min_df=min_df,
        max_df=max_df,
        max_features=max_features,
        stop_words=stop_words,
        random_state=random_state,
    )


# ----------------------------------------------------------------------------- PBMC3k


def _make_unique(names) -> tuple[str, ...]:
    """Repeated names get ``-1``, ``-2``, ... (anndata's ``var_names_make_unique``)."""
    seen: dict[str, int] = {}
    taken = set(names)
    out = []
    for n in names:
        if n in seen:
            i = seen[n]
            while f"{n}-{i}" in taken:
                i += 1
            seen[n] = i + 1
            new = f"{n}-{i}"
            taken.add(new)
            out.append(new)
        else:
            seen[n] = 1
            out.append(n)
    return tuple(out)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _read_pbmc3k(mtx_stamp, genes_stamp, barcodes_stamp, labels_stamp):
    mtx, genes_p, barcodes_p, labels_p = (
        s[0] for s in (mtx_stamp, genes_stamp, barcodes_stamp, labels_stamp)
    )
    current = mtx
    try:
        counts = scipy.io.mmread(mtx)
        current = genes_p
        genes = pd.read_csv(genes_p, sep="\t", header=None, dtype=str, keep_default_na=False)
        current = barcodes_p
        barcodes = pd.read_csv(barcodes_p, sep="\t", header=None, dtype=str, keep_default_na=False)
        current = labels_p
        labels = pd.read_csv(labels_p, sep="\t", dtype={"barcode": str, "cell_type": str})
    except _FORMAT_ERRORS as exc:
        raise _corrupt(current, exc) from exc
    if not scipy.sparse.issparse(counts):
        counts = scipy.sparse.coo_array(counts)
    n_genes, n_cells = counts.shape
    if genes.shape[0] != n_genes or genes.shape[1] < 2:
        raise _bad_content(
            genes_p, f"expected {n_genes} rows of 'gene_id<TAB>symbol' (matrix rows), got shape {genes.shape}"
        )
    if barcodes.shape[0] != n_cells:
        raise _bad_content(
            barcodes_p, f"expected {n_cells} barcodes (matrix columns), got {barcodes.shape[0]}"
        )
    if not np.issubdtype(counts.dtype, np.integer) and not np.all(np.mod(counts.data, 1) == 0):
        raise _bad_content(mtx, "UMI counts must be integers")
    if counts.nnz and counts.data.min() < 0:
        raise _bad_content(mtx, "UMI counts must be non-negative")
    _require_columns(labels, ("barcode", "cell_type"), labels_p)
    bc = barcodes[0].tolist()
    lab = dict(zip(labels["barcode"].tolist(), labels["cell_type"].tolist(), strict=True))
    missing = [b for b in bc if b not in lab]
    if missing:
        raise _bad_content(
            labels_p, f"{len(missing)} barcodes of the matrix have no row (first {missing[:3]})"
        )
    cell_type = tuple(None if pd.isna(lab[b]) else str(lab[b]) for b in bc)
    x = scipy.sparse.csr_array(counts.T, dtype=np.int64)
    x.sum_duplicates()
    x.eliminate_zeros()
    x.sort_indices()
    x.data.flags.writeable = False
    return x, tuple(genes[0].tolist()), _make_unique(genes[1].tolist()), tuple(bc), cell_type


def load_pbmc3k(
    data_home=None,
    *,
    min_cells=3,
    log1p=True,
    labelled_only=True,
    test_size=0.25,
    random_state=0,
) -> Dataset:
    """10x Genomics PBMC3k single-cell RNA counts (Zheng et al. 2017), labelled by cell type.

    Cells x genes UMI counts of the 2,700 filtered cells; genes seen (count > 0) in at least
    ``min_cells`` cells kept, counted over all 2,700 cells before any cell is dropped (the label-free
    first step of the Seurat / scanpy pbmc3k tutorials: 13,714 genes at ``min_cells=3``); then
    ``log1p`` of the counts (the paper's count transform; no library-size normalisation). Labels are
    the Seurat tutorial's cell-type annotation; stratified train/test split.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Directory holding ``pbmc3k/`` (``matrix.mtx.gz``, ``genes.tsv.gz``, ``barcodes.tsv.gz``,
        ``cell_labels.tsv.gz``; see :func:`data_home`).
    min_cells : int, default 3
        Keep genes with a nonzero count in at least this many cells (0 or 1: keep all 32,738).
    log1p : bool, default True
        Return ``log(1 + count)``; ``False``: the raw counts (as float64).
    labelled_only : bool, default True
        Drop the 62 cells without a cell type (removed by the tutorial's QC); ``False`` keeps them
        with label ``-1``.
    test_size : float or int, default 0.25
        Fraction (or count) of cells in the test split, stratified by label.
    random_state : int, RandomState or None, default 0
        Draws the split.

    Returns
    -------
    Dataset
        CSR float64 matrices; ``target_names`` the cell types, sorted; ``feature_names`` gene symbols
        (repeated symbols made unique with ``-1``, ``-2``, ... as anndata does).
    """
    if not isinstance(log1p, bool | np.bool_):
        raise TypeError(f"log1p must be a bool, got {type(log1p).__name__} {log1p!r}")
    if not isinstance(labelled_only, bool | np.bool_):
        raise TypeError(f"labelled_only must be a bool, got {type(labelled_only).__name__} {labelled_only!r}")
    _test_size(test_size, 2**62, 1)  # type and fraction range now; a count's bounds once n is known
    paths = [_data_file("pbmc3k", f, data_home) for f in DATA_FILES["pbmc3k"]]
    counts, _gene_ids, symbols, _barcodes, cell_type = _read_pbmc3k(*(_stamp(p) for p in paths))
    n_cells = counts.shape[0]
    min_cells = _int_in(min_cells, "min_cells", 0, n_cells, "a number of cells")
    rng = _random_state(random_state)
    seen = np.bincount(counts.indices, minlength=counts.shape[1])
    genes = np.flatnonzero(seen >= min_cells)
    types = tuple(sorted({t for t in cell_type if t is not None}))
    code = {t: i for i, t in enumerate(types)}
    y = np.array([-1 if t is None else code[t] for t in cell_type], dtype=np.int64)
    cells = np.flatnonzero(y >= 0) if labelled_only else np.arange(n_cells)
    x = _csr(counts[cells][:, genes])
    if log1p:
        x.data = np.log1p(x.data)
    y = y[cells]
    i_tr, i_te = _split(y, test_size, rng)
    kept = "labelled cells" if labelled_only else "all cells (unlabelled: -1)"
    return Dataset(
        name="pbmc3k",
        x_train=x[i_tr],
        x_test=x[i_te],
        y_train=y[i_tr],
        y_test=y[i_te],
        target_names=types,
        feature_names=tuple(symbols[g] for g in genes),
        description=(
            f"10x PBMC3k (Zheng et al. 2017), Seurat tutorial cell types, {cells.size} {kept}; genes in "
            f">= {min_cells} cells; {'log1p UMI counts' if log1p else 'raw UMI counts'}; stratified "
            f"split test_size={test_size!r}"
        ),
    )


# ----------------------------------------------------------------------------- splice junctions


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _read_splice(stamp):
    path = stamp[0]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except _FORMAT_ERRORS as exc:
        raise _corrupt(path, exc) from exc
    _require_columns(df, ("sequence", "label"), path)
    seqs = tuple(s.strip().upper() for s in df["sequence"].tolist())
    bad = sorted({c for s in seqs for c in s} - _IUPAC)
    if bad:
        raise _bad_content(path, f"sequences contain characters {bad} that are not IUPAC nucleotide codes")
    labels = df["label"].str.strip().tolist()
    unknown = sorted(set(labels) - set(SPLICE_CLASSES))
    if unknown:
        raise _bad_content(path, f"labels {unknown} are not among {list(SPLICE_CLASSES)}")
    return seqs, tuple(labels)


def _kmer_frequencies(seqs, k: int) -> scipy.sparse.csr_array:
    """Rows: normalised counts of the overlapping k-mers over ACGT (lexicographic columns); k-mers with
    another code skipped; a sequence without any valid k-mer gives an all-zero row."""
    lut = np.full(256, -1, np.int64)
    for i, c in enumerate(_NUCLEOTIDES):
        lut[ord(c)] = i
    weights = 4 ** np.arange(k - 1, -1, -1, dtype=np.int64)
    rows, cols = [], []
    for r, s in enumerate(seqs):
        codes = lut[np.frombuffer(s.encode("ascii"), np.uint8)]
        if codes.size < k:
            continue
        win = sliding_window_view(codes, k)
        idx = win[(win >= 0).all(axis=1)] @ weights
        rows.append(np.full(idx.size, r, np.int64))
        cols.append(idx)
    rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    x = _csr(scipy.sparse.coo_array((np.ones(rows.size), (rows, cols)), shape=(len(seqs), 4**k)))
    totals = np.diff(x.indptr)
    sums = np.add.reduceat(x.data, x.indptr[:-1][totals > 0]) if x.nnz else np.zeros(0)
    x.data /= np.repeat(sums, totals[totals > 0])
    return x


def load_splice(
    data_home=None,
    *,
    k=6,
    classes=("EI", "IE"),
    test_size=0.25,
    random_state=0,
) -> Dataset:
    """UCI splice-junction DNA sequences as normalised k-mer frequency vectors.

    Each 60-nucleotide sequence becomes the frequencies of its overlapping ``k``-mers over ACGT
    (the paper's 6-mer representation): ``4**k`` features in lexicographic order (``AAAAAA``,
    ``AAAAAC``, ...), k-mers containing an ambiguity code (N, D, R, S) skipped, each row divided by
    its number of valid k-mers so it sums to 1. Stratified train/test split.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Directory holding ``splice.csv.gz`` (see :func:`data_home`).
    k : int, default 6
        k-mer length, in ``[1, MAX_KMER]`` and at most the sequence length.
    classes : sequence of str, default ("EI", "IE")
        Two or three of ``"EI"`` (donor, 767), ``"IE"`` (acceptor, 768), ``"N"`` (neither, 1655);
        label = index in ``classes``.
    test_size : float or int, default 0.25
        Fraction (or count) of sequences in the test split, stratified by label.
    random_state : int, RandomState or None, default 0
        Draws the split.

    Returns
    -------
    Dataset
        CSR float64 matrices; ``feature_names`` the k-mers.
    """
    k = _int_in(k, "k", 1, MAX_KMER, "an integer k-mer length")
    classes = _names(classes, "classes", SPLICE_CLASSES, "splice class")
    _test_size(test_size, 2**62, 1)
    p = _data_file("splice", DATA_FILES["splice"][0], data_home)
    seqs, labels = _read_splice(_stamp(p))
    code = {c: i for i, c in enumerate(classes)}
    keep = [i for i, lab in enumerate(labels) if lab in code]
    seqs = [seqs[i] for i in keep]
    shortest = min(len(s) for s in seqs)
    if k > shortest:
        raise ValueError(f"k={k} exceeds the shortest sequence length {shortest}")
    y = np.array([code[labels[i]] for i in keep], dtype=np.int64)
    rng = _random_state(random_state)
    x = _kmer_frequencies(seqs, k)
    i_tr, i_te = _split(y, test_size, rng)
    return Dataset(
        name="splice",
        x_train=x[i_tr],
        x_test=x[i_te],
        y_train=y[i_tr],
        y_test=y[i_te],
        target_names=classes,
        feature_names=tuple("".join(t) for t in itertools.product(_NUCLEOTIDES, repeat=k)),
        description=(
            f"UCI splice junctions ({'/'.join(classes)}, {len(seqs)} sequences); normalised overlapping "
            f"{k}-mer frequencies over ACGT (ambiguous k-mers skipped); stratified split "
            f"test_size={test_size!r}"
        ),
    )


# ----------------------------------------------------------------------------- scikit-learn's sets

_SKLEARN_LOADERS: dict[str, Callable] = {
    "breast_cancer": sklearn.datasets.load_breast_cancer,
    "digits": sklearn.datasets.load_digits,
    "iris": sklearn.datasets.load_iris,
    "wine": sklearn.datasets.load_wine,
}


def load_sklearn(
    name,
    *,
    data_home=None,
    test_size=0.25,
    random_state=0,
    digits=None,
    scale="maxabs",
    clip_test=True,
) -> Dataset:
    """One of scikit-learn's bundled tabular data sets, split and scaled.

    Stratified train/test split, then a scaler fitted on the training split only.

    Parameters
    ----------
    name : {"breast_cancer", "digits", "iris", "wine"}
        ``"breast_cancer"``: Wisconsin diagnostic (569 x 30; 0 = malignant, 1 = benign);
        ``"digits"``: 8x8 handwritten digits, the pair (or set) ``digits``; ``"iris"``, ``"wine"``:
        three classes.
    data_home : ignored
        Accepted so every loader of :data:`DATASETS` takes it (these data ship with scikit-learn).
    test_size : float or int, default 0.25
        Fraction (or count) of samples in the test split, stratified by label.
    random_state : int, RandomState or None, default 0
        Draws the split.
    digits : sequence of int, optional
        For ``name="digits"`` only: two or more distinct digits 0-9, label = index in ``digits``
        (default ``(3, 8)``, a hard binary pair; ``range(10)`` for all ten).
    scale : {"maxabs", "standard", None}, default "maxabs"
        ``"maxabs"``: ``MaxAbsScaler`` (each feature divided by its largest training magnitude:
        training entries in ``[-1, 1]``, sparsity kept, as the element oracle needs); ``"standard"``:
        ``StandardScaler`` (zero mean, unit variance); ``None``: raw values.
    clip_test : bool, default True
        With ``scale="maxabs"``, clip ``x_test`` to ``[-1, 1]`` (a test value beyond every training
        value of its feature would exceed 1); ignored for the other scales.

    Returns
    -------
    Dataset
        Dense float64 matrices.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__} {name!r}")
    if name not in _SKLEARN_LOADERS:
        raise ValueError(f"unknown scikit-learn data set {name!r}; choose one of {list(SKLEARN_DATASETS)}")
    if scale not in ("maxabs", "standard", None):
        raise ValueError(f"scale must be 'maxabs', 'standard' or None, got {scale!r}")
    if not isinstance(clip_test, bool | np.bool_):
        raise TypeError(f"clip_test must be a bool, got {type(clip_test).__name__} {clip_test!r}")
    if data_home is not None:
        _as_path(data_home, "data_home")
    _test_size(test_size, 2**62, 1)
    bunch = _SKLEARN_LOADERS[name]()
    x = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    target_names = tuple(str(t) for t in bunch.target_names)
    what = name
    if name == "digits":
        digits = (3, 8) if digits is None else digits
        if isinstance(digits, str) or not hasattr(digits, "__iter__"):
            raise TypeError(
                f"digits must be a sequence of digits 0-9, got {type(digits).__name__} {digits!r}"
            )
        digits = tuple(_int_in(d, "digits", 0, 9, "a digit") for d in digits)
        if len(digits) < 2 or len(set(digits)) != len(digits):
            raise ValueError(f"digits must be two or more distinct digits, got {digits}")
        keep = np.isin(y, digits)
        remap = np.full(10, -1, np.int64)
        remap[list(digits)] = np.arange(len(digits))
        x, y = x[keep], remap[y[keep]]
        target_names = tuple(str(d) for d in digits)
        what = f"digits {'/'.join(target_names)}"
    elif digits is not None:
        raise ValueError(f"digits= applies to name='digits' only, got digits={digits!r} with name={name!r}")
    rng = _random_state(random_state)
    i_tr, i_te = _split(y, test_size, rng)
    x_train, x_test = x[i_tr], x[i_te]
    if scale is not None:
        scaler = MaxAbsScaler() if scale == "maxabs" else StandardScaler()
        x_train = scaler.fit_transform(x_train)
        x_test = scaler.transform(x_test)
        if scale == "maxabs" and clip_test:
            x_test = np.clip(x_test, -1.0, 1.0)
    feature_names = tuple(str(f) for f in bunch.feature_names) if "feature_names" in bunch else None
    return Dataset(
        name=name,
        x_train=np.ascontiguousarray(x_train, dtype=np.float64),
        x_test=np.ascontiguousarray(x_test, dtype=np.float64),
        y_train=y[i_tr],
        y_test=y[i_te],
        target_names=target_names,
        feature_names=feature_names,
        description=(
            f"scikit-learn {what} ({x.shape[0]} x {x.shape[1]}); stratified split test_size={test_size!r}; "
            + ("unscaled" if scale is None else f"{scale} scaling fitted on train")
        ),
    )


# ----------------------------------------------------------------------------- registry


DATASETS: Mapping[str, Callable[..., Dataset]] = MappingProxyType(
    {
        "imdb": load_imdb,
        "20newsgroups": load_20newsgroups,
        "pbmc3k": load_pbmc3k,
        "splice": load_splice,
        **{n: functools.partial(load_sklearn, n) for n in SKLEARN_DATASETS},
    }
)
"""Name -> loader (each takes keyword arguments, ``data_home=`` among them), for the CLI."""


def load_dataset(name, **kwargs) -> Dataset:
    """Load a data set of :data:`DATASETS` by name.

    Parameters
    ----------
    name : str
        One of ``imdb``, ``20newsgroups``, ``pbmc3k``, ``splice``, ``breast_cancer``, ``digits``,
        ``iris``, ``wine``.
    **kwargs
        Keyword arguments of that loader (e.g. ``data_home=``, ``min_df=``, ``k=``).

    Returns
    -------
    Dataset
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__} {name!r}")
    if name not in DATASETS:
        close = difflib.get_close_matches(name, list(DATASETS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown data set {name!r}{hint}; choose one of {list(DATASETS)}")
    return DATASETS[name](**kwargs)
