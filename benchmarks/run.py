"""Training throughput of bpcode against scikit-learn, a hand-fused NumPy loop and the matmul floor.

Every contender trains the same network on the same data with the same number
of updates (same batch size and epochs). Reported: median wall-clock time over
several repeats and ratios between contenders. Run with ``make bench``.

Contenders
----------
bpcode       ``bpcode.fit`` with ``Sequential``/``Dense``/``ReLU``/``SoftmaxCrossEntropy``/``SGD``.
sklearn      ``MLPClassifier(solver="sgd")``: same hidden sizes, ReLU, batch size, epochs,
             constant learning rate, no momentum, no L2 penalty, no early stopping.
numpy-fused  the same computation written inline as one loop of NumPy calls (the best a NumPy
             user would write by hand), including the loss value of every batch.
matmul-floor only the matrix products of forward and backward passes on the same shapes:
             the floor for any NumPy implementation of this network.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np

import bpcode
from bpcode import SGD, Dense, ReLU, Sequential, SoftmaxCrossEntropy, fit


def make_bpcode_model(sizes: list[int], seed: int) -> Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, rng=seed + i, init="he"))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(layers)


def run_bpcode(X, y, sizes, epochs, batch, lr, seed, model=None):
    model = make_bpcode_model(sizes, seed) if model is None else model
    fit(model, SoftmaxCrossEntropy(), SGD(model, lr=lr), X, y, epochs=epochs,
        batch_size=batch, rng=seed)
    return [layer.W for layer in model.layers if isinstance(layer, Dense)]


def run_numpy_fused(X, y, sizes, epochs, batch, lr, seed, model=None):
    """Hand-written loop; starts from the same weights and shuffles the same way as bpcode."""
    init = make_bpcode_model(sizes, seed) if model is None else model
    Ws = [layer.W.copy() for layer in init.layers if isinstance(layer, Dense)]
    bs = [layer.b.copy() for layer in init.layers if isinstance(layer, Dense)]
    n, depth = len(X), len(Ws)
    gen = np.random.default_rng(seed)
    order = np.arange(n)
    for _ in range(epochs):
        gen.shuffle(order)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            Xb, yb = X[idx], y[idx]
            m = len(idx)
            acts = [Xb]
            for k in range(depth - 1):
                acts.append(np.maximum(acts[-1] @ Ws[k] + bs[k], 0.0))
            z = acts[-1] @ Ws[-1] + bs[-1]
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            s = e.sum(axis=1, keepdims=True)
            rows = np.arange(m)
            loss = float(np.sum(np.log(s[:, 0]) - z[rows, yb])) / m
            if not np.isfinite(loss):
                raise FloatingPointError("diverged")
            g = e / s
            g[rows, yb] -= 1.0
            g /= m
            for k in range(depth - 1, -1, -1):
                dW = acts[k].T @ g
                db = g.sum(axis=0)
                if k > 0:
                    g = (g @ Ws[k].T) * (acts[k] > 0.0)
                Ws[k] -= lr * dW
                bs[k] -= lr * db
    return Ws


def run_matmul_floor(X, y, sizes, epochs, batch, lr, seed, model=None):
    """Only the matrix products: forward X@W, backward A^T@G and G@W^T (not for the input)."""
    init = make_bpcode_model(sizes, seed) if model is None else model
    Ws = [layer.W for layer in init.layers if isinstance(layer, Dense)]
    n, depth = len(X), len(Ws)
    for _ in range(epochs):
        for start in range(0, n, batch):
            Xb = X[start:start + batch]
            acts = [Xb]
            for k in range(depth):
                acts.append(acts[-1] @ Ws[k])
            g = acts[-1]
            for k in range(depth - 1, -1, -1):
                acts[k].T @ g
                if k > 0:
                    g = g @ Ws[k].T
    return Ws


def run_sklearn(X, y, sizes, epochs, batch, lr, seed, model=None):
    """scikit-learn builds its own weights inside ``fit``; that (small) cost is included."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu", solver="sgd",
                        alpha=0.0, batch_size=batch, learning_rate="constant",
                        learning_rate_init=lr, max_iter=epochs, shuffle=True, random_state=seed,
                        tol=0.0, momentum=0.0, nesterovs_momentum=False, early_stopping=False,
                        n_iter_no_change=epochs + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == epochs, clf.n_iter_
    return clf.coefs_


CONTENDERS = {
    "bpcode": run_bpcode,
    "sklearn MLPClassifier": run_sklearn,
    "numpy hand-fused": run_numpy_fused,
    "matmul floor": run_matmul_floor,
}


def digits_problem():
    X_train, _, y_train, _ = bpcode.datasets.digits(rng=0)
    return dict(name="digits 64-128-10", X=X_train, y=y_train, sizes=[64, 128, 10],
                epochs=30, batch=32, lr=0.05)


def large_problem(n_samples=4096):
    gen = np.random.default_rng(0)
    X = gen.standard_normal((n_samples, 784))
    y = (X[:, :10] @ gen.standard_normal((10, 10))).argmax(axis=1)
    return dict(name=f"generated 784-1024-1024-10 ({n_samples} samples)", X=X, y=y,
                sizes=[784, 1024, 1024, 10], epochs=1, batch=256, lr=0.01)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller large problem")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    problems = [digits_problem(), large_problem(1024 if args.quick else 4096)]

    # the hand-fused loop must do exactly bpcode's computation: same weights after training
    p = problems[0]
    a = run_bpcode(p["X"], p["y"], p["sizes"], 2, p["batch"], p["lr"], 0)
    b = run_numpy_fused(p["X"], p["y"], p["sizes"], 2, p["batch"], p["lr"], 0)
    assert all(np.allclose(u, v, rtol=1e-10, atol=1e-12) for u, v in zip(a, b)), \
        "hand-fused loop and bpcode disagree"

    ok = True
    for p in problems:
        print(f"\n{p['name']}: batch {p['batch']}, {p['epochs']} epoch(s), "
              f"{len(p['X'])} samples, median of {repeats}")
        args = (p["X"], p["y"], p["sizes"], p["epochs"], p["batch"], p["lr"], 0)
        for fn in CONTENDERS.values():                       # warm-up
            fn(p["X"], p["y"], p["sizes"], 1, p["batch"], p["lr"], 0)
        # contenders take turns in every round, so a slow spell of a shared machine
        # hits all of them alike; each one's time is its median over the rounds
        samples = {name: [] for name in CONTENDERS}
        for _ in range(repeats):
            for name, fn in CONTENDERS.items():
                # the initial weights are built outside the timed region (they are the
                # same for bpcode, the hand-fused loop and the floor)
                model = make_bpcode_model(p["sizes"], 0)
                t0 = time.perf_counter()
                fn(*args, model=model)
                samples[name].append(time.perf_counter() - t0)
        times = {name: statistics.median(ts) for name, ts in samples.items()}
        updates = p["epochs"] * -(-len(p["X"]) // p["batch"])
        print(f"{'contender':<24}{'time (s)':>10}{'updates/s':>12}{'time / bpcode':>15}")
        for name, t in times.items():
            print(f"{name:<24}{t:>10.3f}{updates / t:>12.0f}{t / times['bpcode']:>15.2f}")
        t = times
        checks = []
        if p["name"].startswith("digits"):
            checks.append(("bpcode throughput / sklearn's >= 2",
                           t["sklearn MLPClassifier"] / t["bpcode"], 2.0, ">="))
            checks.append(("bpcode time / hand-fused time <= 1.25",
                           t["bpcode"] / t["numpy hand-fused"], 1.25, "<="))
        else:
            checks.append(("bpcode time / matmul floor <= 1.15",
                           t["bpcode"] / t["matmul floor"], 1.15, "<="))
            checks.append(("bpcode time / hand-fused time <= 1.25",
                           t["bpcode"] / t["numpy hand-fused"], 1.25, "<="))
        for label, value, bound, op in checks:
            good = value >= bound if op == ">=" else value <= bound
            ok &= good
            print(f"  {label}: {value:.2f}  {'met' if good else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
