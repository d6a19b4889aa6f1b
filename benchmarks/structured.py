"""Forward + backward of bpcode's structured layers against PyTorch CPU eager, float64.

Each case runs one forward and one backward pass of the same layer, with the same
weights, input and output gradient, in bpcode and in PyTorch (input gradient and every
parameter gradient computed on both sides), with one BLAS thread and one PyTorch thread.
The two take turns, round after round; reported are the median times and the median of
the per-round ratios. Target: bpcode ≤ 3× PyTorch's time. Run with ``make bench`` (or
``python benchmarks/structured.py``); skipped without PyTorch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits


def conv_case(torch):
    from bpcode.conv import Conv2D

    rng = np.random.default_rng(0)
    layer = Conv2D(8, 16, 3, padding=1, rng=0)
    X = rng.standard_normal((32, 8, 16, 16))
    G = rng.standard_normal((32, 16, 16, 16))
    ref = torch.nn.Conv2d(8, 16, 3, padding=1)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.W))
        ref.bias.copy_(torch.from_numpy(layer.b))
    return "Conv2D 8->16, 3x3, padding 1, input (32, 8, 16, 16)", layer, ref, X, G


def rnn_case(torch):
    from bpcode.recurrent import RNN

    rng = np.random.default_rng(0)
    layer = RNN(32, 64, rng=0)
    X = rng.standard_normal((32, 32, 32))
    G = rng.standard_normal((32, 32, 64))
    ref = torch.nn.RNN(32, 64, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(layer.Wx.T))
        ref.weight_hh_l0.copy_(torch.from_numpy(layer.Wh.T))
        ref.bias_ih_l0.copy_(torch.from_numpy(layer.b))
        ref.bias_hh_l0.zero_()

    class Outputs(torch.nn.Module):  # nn.RNN returns (outputs, h_n)
        def __init__(self, rnn):
            super().__init__()
            self.rnn = rnn

        def forward(self, x):
            return self.rnn(x)[0]

    return "RNN 32->64, T = 32, batch 32", layer, Outputs(ref), X, G


def attention_case(torch):
    from bpcode.attention import SelfAttention

    rng = np.random.default_rng(0)
    d, T = 32, 32
    layer = SelfAttention(d, causal=True, rng=0)
    X = rng.standard_normal((32, T, d))
    G = rng.standard_normal((32, T, d))
    weights = {name: torch.from_numpy(getattr(layer, name)) for name in layer.params}

    class Attention(torch.nn.Module):  # the same single-head attention, in PyTorch
        def __init__(self):
            super().__init__()
            for name, value in weights.items():
                setattr(self, name, torch.nn.Parameter(value.clone()))

        def forward(self, x):
            q, k, v = x @ self.Wq, x @ self.Wk, x @ self.Wv
            o = torch.nn.functional.scaled_dot_product_attention(
                q, k, v, is_causal=True
            )
            return o @ self.Wo

    return f"SelfAttention d = {d}, causal, T = {T}, batch 32", layer, Attention(), X, G


CASES = [conv_case, rnn_case, attention_case]


def measure(torch, case, repeats: int) -> tuple[str, float, float, float]:
    name, layer, ref, X, G = case(torch)
    Xt = torch.from_numpy(X).requires_grad_(True)
    Gt = torch.from_numpy(G)

    def ours():
        layer.forward(X)
        layer.backward(G)

    def theirs():
        ref.zero_grad(set_to_none=True)
        Xt.grad = None
        ref(Xt).backward(Gt)

    for run in (ours, theirs):  # warm-up
        run()
    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    for r in range(repeats):
        order = [("ours", ours), ("theirs", theirs)]
        for key, run in order if r % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            for _ in range(5):
                run()
            times[key].append((time.perf_counter() - t0) / 5)
    ratio = statistics.median(a / b for a, b in zip(times["ours"], times["theirs"]))
    return (
        name,
        statistics.median(times["ours"]),
        statistics.median(times["theirs"]),
        ratio,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("structured layers vs PyTorch: skipped (PyTorch is not installed)")
        return 0
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    print(
        f"\nstructured layers, forward + backward, float64, 1 thread, median of {args.repeats}"
    )
    print(f"{'case':<50}{'bpcode (ms)':>12}{'PyTorch (ms)':>14}{'ratio':>8}")
    ok = True
    with threadpool_limits(limits=1, user_api="blas"):
        for case in CASES:
            name, ours, theirs, ratio = measure(torch, case, args.repeats)
            good = ratio <= 3.0
            ok &= good
            print(
                f"{name:<50}{ours * 1e3:>12.2f}{theirs * 1e3:>14.2f}{ratio:>8.2f}"
                f"  {'met' if good else 'MISSED'} (target <= 3)"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
