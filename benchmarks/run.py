"""Training throughput of bpcode against scikit-learn and a hand-fused NumPy loop.

Every contender trains the same network on the same data with the same number
of updates (same batch size and epochs). The contenders take turns, round after
round; reported are the median wall-clock time of each and, for every ratio, the
median over the rounds of the ratio within a round. Run with ``make bench``.

Contenders
----------
bpcode fit    ``bpcode.fit`` with ``Sequential``/``Dense``/``ReLU``/
              ``SoftmaxCrossEntropy``/``SGD``.
own loop      a user's own loop through bpcode's public methods: ``loss.forward(
              model.forward(X), y)``, ``model.backward(loss.backward(),
              input_grad=False)``, ``optimizer.step()``, with every check those calls
              make: the same work as the hand-fused loop.
own loop + dL/dX  the same with ``model.backward(loss.backward())``, which also computes
              the first layer's input gradient (one more matrix product per step, which
              the other loops skip); for information.
sklearn       ``MLPClassifier(solver="sgd")``: same hidden sizes, ReLU, batch size,
              epochs, constant learning rate, no momentum, no L2 penalty, no early
              stopping.
hand-fused    the same computation written inline as one loop of NumPy calls (the
              best a NumPy user would write by hand: in-place activations, no
              input gradient for the first layer), including the loss of every batch.
matmul floor  only the matrix products of the forward and backward passes on the same
              shapes: what no NumPy implementation of this network can skip.

Targets (digits): bpcode fit >= 2.5x sklearn's throughput, fit <= 1.25x and the own
loop <= 1.3x the hand-fused loop's time. The large network is reported for
information. Each problem runs with all cores given to BLAS and then with one thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

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
    fit(
        model,
        SoftmaxCrossEntropy(),
        SGD(model, lr=lr),
        X,
        y,
        epochs=epochs,
        batch_size=batch,
        rng=seed,
    )
    return [layer.W for layer in model.layers if isinstance(layer, Dense)]


def run_own_loop(X, y, sizes, epochs, batch, lr, seed, model=None, input_grad=False):
    """A loop written with bpcode's public methods, as chapter 3 teaches (shuffled like
    ``fit``). With ``input_grad=False`` it does the hand-fused loop's work; with True it
    also computes the first layer's dL/dX, a matrix product nobody needs."""
    model = make_bpcode_model(sizes, seed) if model is None else model
    loss, optimizer = SoftmaxCrossEntropy(), SGD(model, lr=lr)
    gen, order = np.random.default_rng(seed), np.arange(len(X))
    for _ in range(epochs):
        gen.shuffle(order)
        for start in range(0, len(X), batch):
            idx = order[start : start + batch]
            loss.forward(model.forward(X[idx]), y[idx])
            model.backward(loss.backward(), input_grad=input_grad)
            optimizer.step()
    return [layer.W for layer in model.layers if isinstance(layer, Dense)]


def run_own_loop_input_grad(X, y, sizes, epochs, batch, lr, seed, model=None):
    """The own loop with ``model.backward(loss.backward())``: dL/dX of layer 1 too."""
    return run_own_loop(X, y, sizes, epochs, batch, lr, seed, model, input_grad=True)


def run_numpy_fused(X, y, sizes, epochs, batch, lr, seed, model=None):
    """Hand-written loop; starts from the same weights and shuffles the same way as bpcode.

    Written for speed: activations and gradients are overwritten in place, weight
    gradients go into preallocated arrays, and the update runs in cache-sized chunks.
    """
    init = make_bpcode_model(sizes, seed) if model is None else model
    Ws = [layer.W.copy() for layer in init.layers if isinstance(layer, Dense)]
    bs = [layer.b.copy() for layer in init.layers if isinstance(layer, Dense)]
    dWs = [np.empty_like(W) for W in Ws]
    chunk = np.empty(65_536)
    n, depth = len(X), len(Ws)
    gen = np.random.default_rng(seed)
    order = np.arange(n)
    for _ in range(epochs):
        gen.shuffle(order)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            Xb, yb = X[idx], y[idx]
            m = len(idx)
            acts = [Xb]
            for k in range(depth - 1):
                z = acts[-1] @ Ws[k]
                z += bs[k]
                acts.append(np.maximum(z, 0.0, out=z))
            z = acts[-1] @ Ws[-1]
            z += bs[-1]
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z, out=z)
            s = e.sum(axis=1, keepdims=True)
            rows = np.arange(m)
            e /= s  # softmax probabilities
            loss = -float(np.sum(np.log(e[rows, yb]))) / m
            if not np.isfinite(loss):
                raise FloatingPointError("diverged")
            g = e
            g[rows, yb] -= 1.0
            g /= m
            for k in range(depth - 1, -1, -1):
                np.matmul(acts[k].T, g, out=dWs[k])
                db = g.sum(axis=0)
                if k > 0:
                    g = g @ Ws[k].T
                    g *= acts[k] > 0.0
                w, d = Ws[k].reshape(-1), dWs[k].reshape(-1)
                for i in range(0, w.size, chunk.size):  # Ws[k] -= lr * dWs[k]
                    c = chunk[: min(chunk.size, w.size - i)]
                    np.multiply(d[i : i + c.size], lr, out=c)
                    w[i : i + c.size] -= c
                bs[k] -= lr * db
    return Ws


def run_matmul_floor(X, y, sizes, epochs, batch, lr, seed, model=None):
    """Only the matrix products (X@W forward; A^T@G and G@W^T backward, not for the input)."""
    init = make_bpcode_model(sizes, seed) if model is None else model
    Ws = [layer.W for layer in init.layers if isinstance(layer, Dense)]
    dWs = [np.empty_like(W) for W in Ws]
    for _ in range(epochs):
        for start in range(0, len(X), batch):
            acts = [X[start : start + batch]]
            for W in Ws:
                acts.append(acts[-1] @ W)
            g = acts[-1]
            for k in range(len(Ws) - 1, -1, -1):
                np.matmul(acts[k].T, g, out=dWs[k])
                if k > 0:
                    g = g @ Ws[k].T
    return Ws


def run_sklearn(X, y, sizes, epochs, batch, lr, seed, model=None):
    """scikit-learn builds its own weights inside ``fit``; that (small) cost is included."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(sizes[1:-1]),
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=batch,
        learning_rate="constant",
        learning_rate_init=lr,
        max_iter=epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        momentum=0.0,
        nesterovs_momentum=False,
        early_stopping=False,
        n_iter_no_change=epochs + 1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == epochs, clf.n_iter_
    return clf.coefs_


CONTENDERS = {
    "bpcode fit": run_bpcode,
    "own loop": run_own_loop,
    "own loop + dL/dX": run_own_loop_input_grad,
    "sklearn MLPClassifier": run_sklearn,
    "numpy hand-fused": run_numpy_fused,
    "matmul floor": run_matmul_floor,
}


def digits_problem():
    X_train, _, y_train, _ = bpcode.datasets.digits(rng=0)
    return dict(
        name="digits 64-128-10",
        X=X_train,
        y=y_train,
        sizes=[64, 128, 10],
        epochs=30,
        batch=32,
        lr=0.05,
    )


def large_problem(n_samples=4096):
    gen = np.random.default_rng(0)
    X = gen.standard_normal((n_samples, 784))
    y = (X[:, :10] @ gen.standard_normal((10, 10))).argmax(axis=1)
    return dict(
        name=f"generated 784-1024-1024-10 ({n_samples} samples)",
        X=X,
        y=y,
        sizes=[784, 1024, 1024, 10],
        epochs=1,
        batch=256,
        lr=0.01,
    )


def measure(p: dict, repeats: int) -> dict[str, list[float]]:
    """Times of every contender on problem ``p``, one per round; contenders take turns."""
    args = (p["X"], p["y"], p["sizes"], p["epochs"], p["batch"], p["lr"], 0)
    for fn in CONTENDERS.values():  # warm-up
        fn(p["X"], p["y"], p["sizes"], 1, p["batch"], p["lr"], 0)
    # taking turns means that a slow spell of a shared machine hits all contenders alike,
    # and starting each round with the next contender means that none always runs first
    names = list(CONTENDERS)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            # the initial weights are built outside the timed region (they are the
            # same for bpcode, the hand-fused loop and the floor)
            model = make_bpcode_model(p["sizes"], 0)
            t0 = time.perf_counter()
            CONTENDERS[name](*args, model=model)
            samples[name].append(time.perf_counter() - t0)
    return samples


def report(p: dict, samples: dict[str, list[float]]) -> bool:
    """Print the table and, for digits, the targets; return True if every target is met.

    Times are medians over the rounds. A ratio is the median over the rounds of the
    ratio within a round, so that a slow spell that spans one round cancels out.
    """

    def ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(samples[a], samples[b]))

    updates = p["epochs"] * -(-len(p["X"]) // p["batch"])
    print(
        f"{'contender':<24}{'time (s)':>10}{'updates/s':>12}{'time / fit':>12}"
        f"{'time / hand-fused':>19}{'time / floor':>14}"
    )
    for name, ts in samples.items():
        t = statistics.median(ts)
        print(
            f"{name:<24}{t:>10.3f}{updates / t:>12.0f}{ratio(name, 'bpcode fit'):>12.2f}"
            f"{ratio(name, 'numpy hand-fused'):>19.2f}{ratio(name, 'matmul floor'):>14.2f}"
        )
    if not p["name"].startswith("digits"):
        return True
    checks = [
        (
            "fit throughput / sklearn's",
            ratio("sklearn MLPClassifier", "bpcode fit"),
            2.5,
            ">=",
        ),
        (
            "fit time / hand-fused time",
            ratio("bpcode fit", "numpy hand-fused"),
            1.25,
            "<=",
        ),
        (
            "own loop time / hand-fused",
            ratio("own loop", "numpy hand-fused"),
            1.3,
            "<=",
        ),
    ]
    ok = True
    for label, value, bound, op in checks:
        good = value >= bound if op == ">=" else value <= bound
        ok &= good
        print(
            f"  {label}: {value:.2f} (target {op} {bound})  {'met' if good else 'MISSED'}"
        )
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats, smaller large problem"
    )
    parser.add_argument(
        "--threads",
        type=int,
        nargs="*",
        default=None,
        help="BLAS thread counts to run with (default: all cores, then 1)",
    )
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    problems = [digits_problem(), large_problem(1024 if args.quick else 4096)]
    cores = os.cpu_count() or 1
    thread_counts = args.threads or ([cores, 1] if cores > 1 else [1])

    # the loops must do exactly bpcode's computation: same weights after training
    p = problems[0]
    a = run_bpcode(p["X"], p["y"], p["sizes"], 2, p["batch"], p["lr"], 0)
    for run in (run_own_loop, run_numpy_fused):
        b = run(p["X"], p["y"], p["sizes"], 2, p["batch"], p["lr"], 0)
        assert all(np.allclose(u, v, rtol=1e-10, atol=1e-12) for u, v in zip(a, b)), (
            f"{run.__name__} and bpcode disagree"
        )

    ok = True
    for threads in thread_counts:
        with threadpool_limits(limits=threads, user_api="blas"):
            for p in problems:
                print(
                    f"\n{p['name']}: batch {p['batch']}, {p['epochs']} epoch(s), "
                    f"{len(p['X'])} samples, {threads} BLAS thread(s), median of {repeats}"
                )
                ok &= report(p, measure(p, repeats))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
