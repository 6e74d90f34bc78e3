"""Real-dataset loaders (qsjax.data): shapes and counts against the data README, the preprocessing
(TF-IDF, log1p counts, k-mer frequencies, scaling), data-home resolution and argument checks.

The shared files live in ``$QSJAX_DATA`` or ``<repo>/../shared/data``; tests of a data set whose
files are absent are skipped. The full IMDb TF-IDF (25k reviews, ~10 s) is built once per module;
the other IMDb checks use stratified subsets or the raw texts.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import scipy.sparse.linalg
from sklearn.feature_extraction.text import TfidfVectorizer

import qsjax.data as D

DATA = Path(os.environ.get("QSJAX_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def _needs(name):
    files = D.DATA_FILES[name]
    present = all((DATA / f).is_file() for f in files)
    return pytest.mark.skipif(not present, reason=f"{name} data ({', '.join(files)}) not found in {DATA}")


needs_imdb = _needs("imdb")
needs_20ng = _needs("20newsgroups")
needs_pbmc = _needs("pbmc3k")
needs_splice = _needs("splice")

IMDB_FEATURES = {5: 26967, 10: 18222, 20: 11841, 50: 6180, 100: 3562, 200: 1949}  # full 25k train


def _doc_freq(x):
    return np.bincount(x.indices, minlength=x.shape[1])


def _same_csr(a, b):
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _check_layout(ds: D.Dataset, sparse: bool = True):
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        assert x.dtype == np.float64
        assert y.dtype == np.int64 and y.shape == (x.shape[0],)
        if sparse:
            assert isinstance(x, scipy.sparse.csr_array)
            assert x.has_sorted_indices and np.all(x.data != 0)
        else:
            assert isinstance(x, np.ndarray)
    assert ds.n_features == ds.x_test.shape[1]
    if ds.feature_names is not None:
        assert len(ds.feature_names) == ds.n_features
    assert isinstance(ds.description, str) and "\n" not in ds.description


# ----------------------------------------------------------------------------- IMDb


@pytest.fixture(scope="module")
def imdb_raw():
    return D.imdb_texts(DATA)


@pytest.fixture(scope="module")
def imdb_full():
    return D.load_imdb(DATA)  # min_df=5, full official split


@needs_imdb
def test_imdb_texts_match_readme(imdb_raw):
    tr, ytr, te, yte = imdb_raw
    assert len(tr) == len(ytr) == 25_000 and len(te) == len(yte) == 25_000
    assert np.bincount(ytr).tolist() == [12_500, 12_500] and np.bincount(yte).tolist() == [12_500, 12_500]
    first = [i for i, t in enumerate(tr) if t.startswith("Bromwell High is a cartoon comedy.")]
    assert len(first) == 1 and ytr[first[0]] == 1  # train/pos/0_9.txt
    assert tr[first[0]].endswith("What a pity that it isn't!")
    assert sum("<br />" in t for t in tr[:100]) > 10  # text unchanged: HTML line breaks kept


@needs_imdb
def test_imdb_texts_cached_and_copied(imdb_raw):
    tr, ytr, _, _ = imdb_raw
    tr2, ytr2, _, _ = D.imdb_texts(DATA)
    assert tr2 == tr and np.array_equal(ytr2, ytr)
    tr2[0] = "changed"
    ytr2[0] = 7
    tr3, ytr3, _, _ = D.imdb_texts(DATA)
    assert tr3[0] == tr[0] and ytr3[0] == ytr[0]  # callers get copies


@needs_imdb
def test_imdb_full_tfidf(imdb_full):
    ds = imdb_full
    _check_layout(ds)
    assert ds.name == "imdb" and ds.target_names == ("negative", "positive")
    assert ds.x_train.shape == (25_000, IMDB_FEATURES[5]) and ds.x_test.shape == (25_000, IMDB_FEATURES[5])
    assert np.bincount(ds.y_train).tolist() == [12_500, 12_500]
    assert np.bincount(ds.y_test).tolist() == [12_500, 12_500]
    # unit l2 rows (no training review is empty after min_df=5; test rows: unit or empty)
    np.testing.assert_allclose(scipy.sparse.linalg.norm(ds.x_train, axis=1), 1.0, rtol=1e-12)
    norms = scipy.sparse.linalg.norm(ds.x_test, axis=1)
    assert np.all(np.isclose(norms, 1.0, rtol=1e-12) | (norms == 0))
    assert "english" in ds.feature_names or "movie" in ds.feature_names
    assert "the" not in ds.feature_names  # English stop words removed
    # fitted on train: every term is in >= min_df training reviews
    df = _doc_freq(ds.x_train)
    assert df.min() >= 5
    # min_df sweep on the full training set: the vocabulary at min_df=m is the terms with df >= m
    assert {m: int((df >= m).sum()) for m in IMDB_FEATURES} == IMDB_FEATURES
    # sparsity: max nonzeros of a row / a column
    assert ds.row_sparsity == np.diff(ds.x_train.indptr).max()
    assert ds.col_sparsity == df.max()
    assert ds.sparsity == max(ds.row_sparsity, ds.col_sparsity)
    assert ds.nnz == ds.x_train.nnz and ds.n_samples == 25_000 and ds.n_test == 25_000


@needs_imdb
def test_imdb_min_df_shrinks_features_consistently():
    sweep = [D.load_imdb(DATA, min_df=m, n_train=1500, n_test=50) for m in (1, 2, 5, 10, 20)]
    sizes = [ds.n_features for ds in sweep]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    # same subset for every min_df (same random_state): vocabularies nest exactly by document frequency
    base = sweep[1]
    df = dict(zip(base.feature_names, _doc_freq(base.x_train), strict=True))
    for m, ds in zip((5, 10, 20), sweep[2:], strict=True):
        assert ds.feature_names == tuple(t for t in base.feature_names if df[t] >= m)
    frac = D.load_imdb(DATA, min_df=0.01, n_train=1500, n_test=50)  # a proportion: df >= 15 reviews
    assert frac.n_features == sum(v >= 15 for v in df.values())


@needs_imdb
def test_imdb_subsets_stratified_and_reproducible(imdb_raw):
    a = D.load_imdb(DATA, n_train=1001, n_test=301, random_state=3, min_df=2)
    b = D.load_imdb(DATA, n_train=1001, n_test=301, random_state=3, min_df=2)
    c = D.load_imdb(DATA, n_train=1001, n_test=301, random_state=4, min_df=2)
    _check_layout(a)
    assert a.x_train.shape[0] == 1001 and a.x_test.shape[0] == 301
    assert sorted(np.bincount(a.y_train).tolist()) == [500, 501]
    assert sorted(np.bincount(a.y_test).tolist()) == [150, 151]
    assert _same_csr(a.x_train, b.x_train) and _same_csr(a.x_test, b.x_test)
    assert np.array_equal(a.y_train, b.y_train) and a.feature_names == b.feature_names
    assert not (a.feature_names == c.feature_names and _same_csr(a.x_train, c.x_train))
    # rows are shuffled: a prefix is not one class
    assert 0 < a.y_train[:50].sum() < 50
    # the vectoriser is fitted on exactly the drawn training reviews (the first draw of random_state)
    tr, ytr, te, yte = imdb_raw
    idx = a.train_index
    assert idx.shape == (1001,) and len(set(idx.tolist())) == 1001
    assert np.array_equal(ytr[idx], a.y_train)
    vec = TfidfVectorizer(stop_words="english", min_df=2)
    ref = scipy.sparse.csr_array(vec.fit_transform([tr[i] for i in idx]))
    assert tuple(vec.get_feature_names_out()) == a.feature_names
    assert abs(ref - a.x_train).max() < 1e-12


@needs_imdb
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"min_df": 0}, ValueError, "min_df"),
        ({"min_df": 1.5}, ValueError, "min_df"),
        ({"min_df": -0.1}, ValueError, "min_df"),
        ({"min_df": "5"}, TypeError, "min_df"),
        ({"min_df": True}, TypeError, "min_df"),
        ({"min_df": 30_000}, ValueError, "min_df=30000"),
        ({"min_df": 100, "max_df": 50}, ValueError, "max_df"),
        ({"max_df": 0.0}, ValueError, "max_df"),
        ({"max_features": 0}, ValueError, "max_features"),
        ({"n_train": 25_001}, ValueError, "n_train=25001 exceeds the 25000"),
        ({"n_train": 1}, ValueError, "n_train"),
        ({"n_test": 2.5}, TypeError, "n_test"),
        ({"random_state": "seed"}, TypeError, "random_state"),
        ({"random_state": -1}, ValueError, "random_state"),
        ({"stop_words": "french"}, ValueError, "stop_words"),
    ],
)
def test_imdb_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        D.load_imdb(DATA, **kwargs)


# ----------------------------------------------------------------------------- 20 Newsgroups

FOUR = ("alt.atheism", "talk.religion.misc", "comp.graphics", "sci.space")


@needs_20ng
def test_20newsgroups_readme_tfidf_shape():
    # the README's check: default TfidfVectorizer on the raw latin-1 train posts of four groups
    ds = D.load_20newsgroups(FOUR, DATA, stripped=False, stop_words=None, min_df=1)
    _check_layout(ds)
    assert ds.x_train.shape == (2034, 34118)
    assert ds.target_names == FOUR
    assert np.bincount(ds.y_train).tolist() == [480, 377, 584, 593]  # labels = index in categories
    assert ds.n_test == 319 + 251 + 389 + 394


@needs_20ng
def test_20newsgroups_all_groups_counts():
    ds = D.load_20newsgroups(None, DATA, min_df=20)
    assert ds.target_names == D.NEWSGROUPS_CATEGORIES and len(ds.target_names) == 20
    assert ds.n_samples == 11_314 and ds.n_test == 7_532
    assert np.bincount(ds.y_train, minlength=20).min() > 0
    df = _doc_freq(ds.x_train)
    assert df.min() >= 20


@needs_20ng
def test_20newsgroups_binary_default_and_options():
    ds = D.load_20newsgroups(data_home=DATA)
    _check_layout(ds)
    assert ds.target_names == ("alt.atheism", "soc.religion.christian")
    assert np.bincount(ds.y_train).tolist() == [480, 599] and np.bincount(ds.y_test).tolist() == [319, 398]
    norms = scipy.sparse.linalg.norm(ds.x_train, axis=1)
    assert np.all(np.isclose(norms, 1.0, rtol=1e-12) | (norms == 0))  # stripped posts may be empty
    flipped = D.load_20newsgroups(("soc.religion.christian", "alt.atheism"), DATA)
    assert np.bincount(flipped.y_train).tolist() == [599, 480]
    raw = D.load_20newsgroups(data_home=DATA, stripped=False)
    assert raw.n_features > ds.n_features  # headers add terms
    sub = D.load_20newsgroups(data_home=DATA, n_train=200, n_test=100, random_state=1)
    assert sub.n_samples == 200 and sub.n_test == 100
    assert np.bincount(sub.y_train).tolist() == [89, 111]  # 200 * 480/1079 = 88.97


@needs_20ng
def test_20newsgroups_three_groups_stratified():
    cats = ("sci.med", "sci.space", "rec.autos")
    full = D.load_20newsgroups(cats, DATA)
    share = np.bincount(full.y_train) / full.n_samples
    sub = D.load_20newsgroups(cats, DATA, n_train=301, n_test=31, random_state=0)
    assert sub.n_samples == 301
    assert np.all(np.abs(np.bincount(sub.y_train) - 301 * share) < 1)


@needs_20ng
@pytest.mark.parametrize(
    ("categories", "exc", "match"),
    [
        (("alt.atheism", "sci.spaec"), ValueError, "did you mean 'sci.space'"),
        (("alt.atheism", "nope"), ValueError, "valid newsgroup names are"),
        ("alt.atheism", TypeError, "single str"),
        (("alt.atheism",), ValueError, "at least two"),
        (("alt.atheism", "alt.atheism"), ValueError, "more than once"),
        ((1, 2), TypeError, "newsgroup names"),
    ],
)
def test_20newsgroups_bad_categories(categories, exc, match):
    with pytest.raises(exc, match=match):
        D.load_20newsgroups(categories, DATA)


# ----------------------------------------------------------------------------- PBMC3k


@needs_pbmc
def test_pbmc3k_raw_counts_match_readme():
    ds = D.load_pbmc3k(DATA, min_cells=0, log1p=False, labelled_only=False)
    _check_layout(ds)
    assert ds.n_samples + ds.n_test == 2700 and ds.n_features == 32_738
    assert ds.x_train.sum() + ds.x_test.sum() == 6_390_631
    assert ds.x_train.nnz + ds.x_test.nnz == 2_286_884
    assert int((ds.y_train == -1).sum() + (ds.y_test == -1).sum()) == 62


@needs_pbmc
def test_pbmc3k_default_log1p_filtered():
    ds = D.load_pbmc3k(DATA)
    _check_layout(ds)
    assert ds.n_features == 13_714 and ds.n_samples + ds.n_test == 2638
    assert ds.target_names == tuple(sorted(ds.target_names)) and len(ds.target_names) == 9
    assert ds.y_train.min() >= 0 and ds.y_test.min() >= 0
    counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]))
    named = dict(zip(ds.target_names, counts.tolist(), strict=True))
    assert named["Naive CD4 T"] == 697 and named["Platelet"] == 14 and named["CD14+ Mono"] == 480
    test_share = np.bincount(ds.y_test, minlength=9) / counts
    assert np.all(np.abs(test_share - 0.25) < 0.1)  # stratified
    assert np.allclose(np.expm1(ds.x_train.data), np.round(np.expm1(ds.x_train.data)))  # log1p of counts
    assert len(set(ds.feature_names)) == ds.n_features  # gene symbols made unique
    assert "CD3E" in ds.feature_names
    fewer = D.load_pbmc3k(DATA, min_cells=10)
    assert fewer.n_features < ds.n_features


@needs_pbmc
@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"min_cells": -1}, ValueError),
        ({"min_cells": 3.0}, TypeError),
        ({"min_cells": 10**6}, ValueError),
        ({"test_size": 1.5}, ValueError),
        ({"test_size": 0}, ValueError),
        ({"log1p": "yes"}, TypeError),
    ],
)
def test_pbmc3k_bad_arguments(kwargs, exc):
    name = next(iter(kwargs))
    with pytest.raises(exc, match=name):
        D.load_pbmc3k(DATA, **kwargs)


# ----------------------------------------------------------------------------- splice


@needs_splice
def test_splice_file_matches_readme():
    df = pd.read_csv(DATA / "splice.csv.gz", keep_default_na=False)
    assert (df["sequence"].str.len() == 60).all()
    assert df["label"].value_counts().to_dict() == {"N": 1655, "IE": 768, "EI": 767}


@needs_splice
def test_splice_kmer_frequencies():
    ds = D.load_splice(DATA, classes=("EI", "IE", "N"))
    _check_layout(ds)
    assert ds.n_features == 4**6 and ds.feature_names[:2] == ("AAAAAA", "AAAAAC")
    assert ds.feature_names[-1] == "TTTTTT"
    assert np.bincount(np.concatenate([ds.y_train, ds.y_test])).tolist() == [767, 768, 1655]
    sums = np.concatenate([ds.x_train.sum(axis=1), ds.x_test.sum(axis=1)])
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    assert ds.row_sparsity <= 55  # 60 - 6 + 1 windows
    binary = D.load_splice(DATA)
    assert binary.target_names == ("EI", "IE") and binary.n_samples + binary.n_test == 767 + 768
    assert sorted(np.bincount(binary.y_test).tolist()) == [192, 192]


def _write_splice(home: Path, rows):
    home.mkdir(parents=True, exist_ok=True)
    with gzip.open(home / "splice.csv.gz", "wt") as f:
        f.write("sequence,label,name\n")
        for seq, lab in rows:
            f.write(f"{seq},{lab},x\n")


def test_splice_kmers_by_hand(tmp_path):
    rows = [("AACGT", "EI"), ("AANAA", "EI"), ("CCCC", "EI"), ("ACAC", "EI")] + [("GGTT", "IE")] * 4
    _write_splice(tmp_path, rows)
    ds = D.load_splice(tmp_path, k=2, test_size=2, random_state=0)
    assert ds.n_features == 16 and ds.feature_names[:5] == ("AA", "AC", "AG", "AT", "CA")
    x = scipy.sparse.vstack([ds.x_train, ds.x_test]).toarray()
    got = {tuple(np.round(r, 12)) for r in x}
    col = {name: i for i, name in enumerate(ds.feature_names)}

    def row(**freqs):
        r = np.zeros(16)
        for name, f in freqs.items():
            r[col[name]] = f
        return tuple(np.round(r, 12))

    assert row(AA=0.25, AC=0.25, CG=0.25, GT=0.25) in got  # AACGT
    assert row(AA=1.0) in got  # AANAA: windows with N skipped
    assert row(CC=1.0) in got
    assert row(AC=2 / 3, CA=1 / 3) in got
    assert row(GG=1 / 3, GT=1 / 3, TT=1 / 3) in got
    with pytest.raises(ValueError, match="shortest sequence length 4"):
        D.load_splice(tmp_path, k=5)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"k": 0}, ValueError, "k must be"),
        ({"k": -2}, ValueError, "k must be"),
        ({"k": 11}, ValueError, "k must be"),
        ({"k": 6.0}, TypeError, "k must be"),
        ({"classes": ("EI",)}, ValueError, "at least two"),
        ({"classes": ("EI", "XX")}, ValueError, "unknown splice class 'XX'"),
        ({"classes": "EI"}, TypeError, "classes"),
    ],
)
def test_splice_bad_arguments(tmp_path, kwargs, exc, match):
    _write_splice(tmp_path, [("ACGTACGT", "EI"), ("ACGTACGT", "IE")] * 4)
    with pytest.raises(exc, match=match):
        D.load_splice(tmp_path, **kwargs)


# ----------------------------------------------------------------------------- scikit-learn sets


def test_sklearn_breast_cancer_scalings():
    ds = D.load_sklearn("breast_cancer")
    _check_layout(ds, sparse=False)
    assert ds.n_samples + ds.n_test == 569 and ds.n_features == 30
    assert ds.target_names == ("malignant", "benign") and ds.feature_names[0] == "mean radius"
    assert np.abs(ds.x_train).max() == 1.0 and np.abs(ds.x_test).max() <= 1.0
    assert np.allclose(np.abs(ds.x_train).max(axis=0), 1.0)
    assert np.bincount(ds.y_test).tolist() == [53, 90]  # stratified (212 / 357)
    std = D.load_sklearn("breast_cancer", scale="standard")
    np.testing.assert_allclose(std.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(std.x_train.std(axis=0), 1.0, rtol=1e-12)
    raw = D.load_sklearn("breast_cancer", scale=None)
    assert raw.x_train.max() > 1 and np.array_equal(raw.y_train, ds.y_train)  # same split
    unclipped = D.load_sklearn("breast_cancer", clip_test=False)
    assert np.allclose(np.clip(unclipped.x_test, -1, 1), ds.x_test)


def test_sklearn_digits_pair():
    ds = D.load_dataset("digits")
    _check_layout(ds, sparse=False)
    assert ds.target_names == ("3", "8") and ds.n_samples + ds.n_test == 183 + 174
    assert ds.n_features == 64 and ds.x_train.min() >= 0 and ds.x_train.max() == 1.0
    flipped = D.load_sklearn("digits", digits=(8, 3))
    assert np.bincount(np.concatenate([flipped.y_train, flipped.y_test])).tolist() == [174, 183]
    ten = D.load_sklearn("digits", digits=range(10))
    assert ten.n_samples + ten.n_test == 1797 and ten.n_classes == 10


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_sklearn_small_sets(name):
    ds = D.load_dataset(name, random_state=1)
    _check_layout(ds, sparse=False)
    assert ds.n_classes == 3 and ds.sparsity == max(ds.n_samples, ds.n_features)


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        (("mnist",), {}, ValueError, "unknown scikit-learn data set 'mnist'"),
        ((3,), {}, TypeError, "name"),
        (("iris",), {"scale": "minmax"}, ValueError, "scale"),
        (("iris",), {"digits": (1, 2)}, ValueError, "digits"),
        (("digits",), {"digits": (3, 3)}, ValueError, "digits"),
        (("digits",), {"digits": (3, 10)}, ValueError, "digits"),
        (("digits",), {"digits": "38"}, TypeError, "digits"),
        (("iris",), {"test_size": 1.0}, ValueError, "test_size"),
        (("iris",), {"test_size": 149}, ValueError, "test_size"),
        (("iris",), {"random_state": 1.5}, TypeError, "random_state"),
    ],
)
def test_sklearn_bad_arguments(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        D.load_sklearn(*args, **kwargs)


# ----------------------------------------------------------------------------- registry


def test_registry():
    assert set(D.DATASETS) == {"imdb", "20newsgroups", "pbmc3k", "splice", *D.SKLEARN_DATASETS}
    with pytest.raises(ValueError, match="did you mean 'imdb'"):
        D.load_dataset("imbd")
    with pytest.raises(ValueError, match="choose one of"):
        D.load_dataset("mnist")
    with pytest.raises(TypeError, match="name"):
        D.load_dataset(None)
    a, b = D.load_dataset("iris", random_state=5), D.load_sklearn("iris", random_state=5)
    assert np.array_equal(a.x_train, b.x_train)


# ----------------------------------------------------------------------------- data home and files


def test_data_home_resolution(tmp_path, monkeypatch):
    env_dir, arg_dir = tmp_path / "env", tmp_path / "arg"
    env_dir.mkdir()
    arg_dir.mkdir()
    monkeypatch.setenv("QSJAX_DATA", str(env_dir))
    assert D.data_home() == env_dir.resolve()
    assert D.data_home(arg_dir) == arg_dir.resolve()  # explicit wins
    assert D.data_home(str(arg_dir)) == arg_dir.resolve()
    monkeypatch.setenv("QSJAX_DATA", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="QSJAX_DATA"):
        D.data_home()
    with pytest.raises(FileNotFoundError, match="QSJAX_DATA"):
        D.load_splice()
    monkeypatch.delenv("QSJAX_DATA")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="imdb.csv.gz") as info:
        D.load_imdb(empty)
    assert "QSJAX_DATA" in str(info.value) and str(empty.resolve()) in str(info.value)
    home = tmp_path / "home"
    (home / "qsjax_data").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert D.data_home() == (home / "qsjax_data").resolve()  # the first default, ~/qsjax_data
    with pytest.raises(TypeError, match="data_home"):
        D.data_home(123)
    with pytest.raises(FileNotFoundError, match="data_home"):
        D.data_home(tmp_path / "nowhere")


@pytest.mark.parametrize("name", ["imdb", "20newsgroups", "pbmc3k", "splice"])
def test_missing_file_message(tmp_path, name):
    with pytest.raises(FileNotFoundError) as info:
        D.load_dataset(name, data_home=tmp_path)
    msg = str(info.value)
    assert D.DATA_FILES[name][0].split("/")[-1] in msg and str(tmp_path) in msg
    assert "QSJAX_DATA" in msg and "data_home=" in msg and "downloaded" in msg


def test_corrupt_files_name_the_file(tmp_path):
    (tmp_path / "imdb.csv.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(ValueError, match="imdb.csv.gz.*corrupt"):
        D.load_imdb(tmp_path)
    blob = gzip.compress(b"sequence,label,name\n" + b"ACGTACGTAC,EI,x\n" * 2000)
    (tmp_path / "splice.csv.gz").write_bytes(blob[: len(blob) // 2])  # truncated
    with pytest.raises(ValueError, match="splice.csv.gz"):
        D.load_splice(tmp_path)
    with gzip.open(tmp_path / "imdb.csv.gz", "wt") as f:  # valid gzip, wrong columns
        f.write("review,sentiment\nfine,1\n")
    with pytest.raises(ValueError, match=r"imdb.csv.gz.*missing column"):
        D.load_imdb(tmp_path)
    with gzip.open(tmp_path / "20newsgroups.jsonl.gz", "wt") as f:
        f.write('{"text": "a", "text_stripped": "a", "label": 0, "label_name": "alt.atheism", "split": "tr')
    with pytest.raises(ValueError, match="20newsgroups.jsonl.gz"):
        D.load_20newsgroups(data_home=tmp_path)


# ----------------------------------------------------------------------------- the Dataset


def test_dataset_sizes_and_checks():
    x = scipy.sparse.csr_array(np.array([[1.0, 0, 2, 0], [0, 0, 3, 0], [4, 5, 6, 0]]))
    x.data[0] = 0.0  # a stored zero does not count
    y = np.array([0, 1, 1])
    ds = D.Dataset("toy", x, x[:1], y, y[:1], ("a", "b"), None, "toy data")
    assert (ds.n_samples, ds.n_test, ds.n_features, ds.n_classes) == (3, 1, 4, 2)
    assert ds.nnz == 5 and ds.row_sparsity == 3 and ds.col_sparsity == 3 and ds.sparsity == 3
    dense = D.Dataset("toy", np.eye(5), np.eye(5)[:2], np.zeros(5, int), np.zeros(2, int), ("a",), None, "")
    assert dense.nnz == 5 and dense.sparsity == 1
    assert "toy" in repr(ds) and "(3, 4)" in repr(ds)
    with pytest.raises(ValueError, match="y_train"):
        D.Dataset("toy", x, x, y[:2], y, ("a", "b"), None, "")
    with pytest.raises(ValueError, match="columns"):
        D.Dataset("toy", x, x[:, :2], y, y, ("a", "b"), None, "")
    with pytest.raises(ValueError, match="y_train"):
        D.Dataset("toy", x, x, y + 5, y, ("a", "b"), None, "")
    with pytest.raises(ValueError, match="feature_names"):
        D.Dataset("toy", x, x, y, y, ("a", "b"), ("f",), "")
    with pytest.raises(TypeError, match="x_train"):
        D.Dataset("toy", [[1.0]], x, y, y, ("a", "b"), None, "")
    with pytest.raises(AttributeError):
        ds.name = "other"  # frozen
