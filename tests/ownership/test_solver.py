"""The exact solver against a dense (I - Aᵀ)⁻¹ and on hand-computed loops."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infrarisk.ownership import solver


def dense(n, src, dst, w, b):
    A = np.zeros((n, n))
    for s, d, x in zip(src, dst, w):
        A[s, d] += x
    return np.linalg.solve(np.eye(n) - A.T, b)


def test_three_company_loop_100_100_96_is_exact():
    # A owns 100% of B, B 100% of C, C 96% of A; X holds the other 4% of A.
    # X's look-through share of A, B and C is exactly 1; a depth cut at 16 is not.
    x = solver.solve(4, [0, 1, 2, 3], [1, 2, 0, 0], [1.0, 1.0, 0.96, 0.04], [0, 0, 0, 1.0])
    assert x[:3] == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)
    cut = sum(0.04 * 0.96 ** k for k in range(16 // 3 + 1))
    assert cut < 0.3  # what a depth-16 walk would report


def test_levels_and_loops_reported():
    cond = solver.condense(5, [0, 1, 2, 3], [1, 2, 1, 4])
    loops = cond.loops()
    assert [list(l) for l in loops] == [[1, 2]]
    # 0 feeds the loop, which feeds nothing; 3 feeds 4
    assert cond.level[cond.labels[4]] == cond.level[cond.labels[3]] + 1


@st.composite
def random_graph(draw):
    n = draw(st.integers(2, 9))
    m = draw(st.integers(1, 3 * n))
    src = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    dst = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    raw = draw(st.lists(st.floats(0.01, 1.0), min_size=m, max_size=m))
    # scale each subject's incoming weights to sum <= 0.95 so the series converges
    w = np.array(raw)
    dst_a = np.array(dst)
    for d in set(dst):
        mask = dst_a == d
        tot = w[mask].sum()
        if tot > 0.95:
            w[mask] *= 0.95 / tot
    b = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    return n, src, dst, w, b


@settings(max_examples=200, deadline=None)
@given(random_graph())
def test_exact_solver_agrees_with_dense_inverse(case):
    n, src, dst, w, b = case
    np.testing.assert_allclose(solver.solve(n, src, dst, w, b), dense(n, src, dst, w, b), atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(random_graph(), st.randoms())
def test_result_independent_of_link_order(case, rnd):
    n, src, dst, w, b = case
    order = list(range(len(src)))
    rnd.shuffle(order)
    x1 = solver.solve(n, src, dst, w, b)
    x2 = solver.solve(n, [src[i] for i in order], [dst[i] for i in order], w[order], b)
    np.testing.assert_allclose(x1, x2, atol=1e-12)


def test_many_right_hand_sides():
    b = np.eye(3)
    x = solver.solve(3, [0, 1], [1, 2], [0.5, 0.5], b)
    assert x.shape == (3, 3)
    assert x[2, 0] == pytest.approx(0.25)


@settings(max_examples=100, deadline=None)
@given(random_graph(), st.lists(st.booleans(), min_size=9, max_size=9))
def test_pass_on_mask_on_values_equals_mask_on_edges(case, fixed):
    # a fixed node passes its whole stake (1) on: through the solver's mask, or with its
    # edges moved into b — the same figures, dense and sparse
    n, src, dst, w, b = case
    fixed = np.array(fixed[:n])
    x_mask = solver.solve(n, src, dst, w, b, whole=np.where(fixed, solver.ALL, -1))
    w2, b2 = solver.pass_on_edges(n, src, dst, w, fixed)
    x_edges = solver.solve(n, src, dst, w2, b + b2)
    x_edges[fixed] = 1.0
    np.testing.assert_allclose(x_mask, x_edges, atol=1e-9)
    import scipy.sparse as sp
    x_sparse = solver.solve(n, src, dst, w, sp.csr_matrix(b.reshape(-1, 1)),
                            whole=np.where(fixed, 0, -1)).toarray()[:, 0]
    np.testing.assert_allclose(x_sparse, x_mask, atol=1e-9)
