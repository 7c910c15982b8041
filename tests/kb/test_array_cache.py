"""Arrays kept on disk (kb/array_cache.py): what is written reads back, anything else reads as None."""

import numpy as np

from kb import array_cache


def test_arrays_come_back_as_written(tmp_path):
    path = tmp_path / "sub" / "weights.npz"
    array_cache.write(path, classes=np.array([-1, 49, 458]), coef=np.eye(3, dtype=np.float32))
    arrays = array_cache.read(path, ("classes", "coef"))
    np.testing.assert_array_equal(arrays["classes"], [-1, 49, 458])
    assert arrays["coef"].dtype == np.float32
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]  # no temporary file left behind


def test_a_missing_damaged_or_incomplete_file_reads_as_none(tmp_path):
    assert array_cache.read(tmp_path / "absent.npz", ("coef",)) is None
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"not an npz")
    assert array_cache.read(damaged, ("coef",)) is None
    incomplete = tmp_path / "incomplete.npz"
    array_cache.write(incomplete, classes=np.array([1]))
    assert array_cache.read(incomplete, ("classes", "coef")) is None


def test_pickled_objects_are_not_read(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, coef=np.array([{"a": 1}], dtype=object))
    assert array_cache.read(path, ("coef",)) is None


def test_an_unwritable_place_is_not_an_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where a folder should be")
    array_cache.write(blocked / "weights.npz", coef=np.zeros(2))  # a read-only checkout still starts
    assert not (blocked / "weights.npz").exists()
