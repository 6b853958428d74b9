"""The NumPy helpers the analyses share."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dqlint.analysis.arrays import sorted_unique, sorted_unique_inverse


@given(hnp.arrays(st.sampled_from([np.int64, np.intp, np.uint64, np.int32]), st.integers(0, 200), elements=st.integers(0, 50)))
def test_sorted_unique_is_numpys_unique(values):
    got = sorted_unique(values)
    assert got.dtype == values.dtype and np.array_equal(got, np.unique(values))


def test_sorted_unique_of_a_million_rows_in_order():
    rows = np.arange(1_000_000, dtype=np.intp)
    assert np.array_equal(sorted_unique(np.concatenate([rows[::-1], rows])), rows)


@given(hnp.arrays(st.sampled_from([np.int64, np.intp]), st.integers(0, 200), elements=st.integers(0, 50)))
def test_sorted_unique_inverse_is_numpys_unique_with_its_inverse(values):
    distinct, where = sorted_unique_inverse(values)
    want, want_where = np.unique(values, return_inverse=True)
    assert np.array_equal(distinct, want) and np.array_equal(where, want_where.ravel())
    assert np.array_equal(distinct[where], values)
