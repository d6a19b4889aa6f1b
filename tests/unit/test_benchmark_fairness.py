"""The benchmark compares like with like: its hand-written loop computes exactly what bpcode does."""

import numpy as np

from benchmarks.run import digits_problem, run_bpcode, run_numpy_fused


def test_hand_fused_loop_matches_bpcode_update_for_update():
    p = digits_problem()
    X, y = p["X"][:200], p["y"][:200]
    a = run_bpcode(X, y, p["sizes"], 2, p["batch"], p["lr"], 0)
    b = run_numpy_fused(X, y, p["sizes"], 2, p["batch"], p["lr"], 0)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)
    # and training changed the weights (the comparison is not of two untouched copies)
    c = run_bpcode(X, y, p["sizes"], 1, p["batch"], p["lr"], 0)
    assert not np.allclose(a[0], c[0])


def test_floor_plus_required_passes_is_a_real_training_step():
    """The 'floor + required passes' row makes every pass it claims (shuffled gather, bias,
    ReLU both ways, the update): it matches bpcode's layers stepping on the loss whose output
    gradient the row uses, -1e-6 / batch times the output."""
    from benchmarks.run import make_bpcode_model, run_matmul_floor_required

    p = digits_problem()
    X, y, sizes, batch = p["X"][:100], p["y"][:100], p["sizes"], p["batch"]
    got = run_matmul_floor_required(X, y, sizes, 2, batch, p["lr"], 0)

    model = make_bpcode_model(sizes, 0)
    gen, order = np.random.default_rng(0), np.arange(len(X))
    for _ in range(2):
        gen.shuffle(order)
        for start in range(0, len(X), batch):
            Xb = X[order[start:start + batch]]
            out = model.forward(Xb)
            model.backward(out * (-1e-6 / len(Xb)), input_grad=False)
            for _, value, grad in model.parameters():
                value += grad
    expected = [layer.W for layer in model.layers if hasattr(layer, "W")]
    for u, v in zip(got, expected):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-15)
    assert not np.allclose(got[0], make_bpcode_model(sizes, 0).layers[0].W, rtol=0, atol=1e-12)
