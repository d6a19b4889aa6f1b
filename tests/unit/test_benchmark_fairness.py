"""The benchmark compares like with like: its other loops compute exactly what bpcode's fit does."""

import numpy as np

from benchmarks.run import (
    digits_problem,
    run_bpcode,
    run_numpy_fused,
    run_own_loop,
    run_own_loop_input_grad,
)


def test_hand_fused_loop_matches_bpcode_update_for_update():
    p = digits_problem()
    X, y = p["X"][:200], p["y"][:200]
    a = run_bpcode(X, y, p["sizes"], 2, p["batch"], p["lr"], 0)
    for run in (run_numpy_fused, run_own_loop, run_own_loop_input_grad):
        b = run(X, y, p["sizes"], 2, p["batch"], p["lr"], 0)
        for u, v in zip(a, b):
            np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)
    # and training changed the weights (the comparison is not of two untouched copies)
    c = run_bpcode(X, y, p["sizes"], 1, p["batch"], p["lr"], 0)
    assert not np.allclose(a[0], c[0])
