"""XOR with PyTorch: the same 2-4-1 network as xor_bpcode.py.

What differs from bpcode:
* nn.Linear(n_in, n_out) stores its weight as (n_out, n_in), the transpose
  of bpcode's W, and computes x @ weight.T + bias;
* nn.functional.mse_loss averages over all n * k entries and has no factor
  1/2, so we write the book's loss ourselves: summed over the k outputs,
  averaged over the n samples, times 1/2;
* loss.backward() ADDS into each parameter's .grad, so every step starts
  with optimizer.zero_grad();
* PyTorch computes in float32 unless told otherwise: we ask for float64.

Run it from the repository root:  python book/frameworks/xor_pytorch.py
"""

import torch
from torch import nn

LEARNING_RATE = 0.5
EPOCHS = 2000


def build_model(seed=0, dtype=torch.float64):
    """The 2-4-1 network with PyTorch's default initialisation, seeded."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(2, 4, dtype=dtype),  # weight (4, 2) = W1.T
        nn.Tanh(),
        nn.Linear(4, 1, dtype=dtype),  # weight (1, 4) = W2.T
        nn.Sigmoid(),
    )


def half_mse(y_hat, y):
    """The book's loss: 1/(2n) * sum over samples and outputs."""
    return 0.5 * nn.functional.mse_loss(y_hat, y, reduction="sum") / len(y)


def train(model, X, y, epochs=EPOCHS, lr=LEARNING_RATE):
    """Full-batch gradient descent; returns the loss before each update."""
    dtype = next(model.parameters()).dtype
    X = torch.as_tensor(X, dtype=dtype)
    y = torch.as_tensor(y, dtype=dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()  # .grad accumulates: clear it first
        loss = half_mse(model(X), y)  # 1. forward pass, 2. error
        loss.backward()  # 3. backward pass: fills every .grad
        optimizer.step()  # 4. update
        losses.append(loss.item())
    return losses


def main():
    X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64)
    y = torch.tensor([[0], [1], [1], [0]], dtype=torch.float64)
    model = build_model(seed=0)
    losses = train(model, X, y)
    print(
        f"PyTorch: loss {losses[0]:.4f} after 1 epoch, "
        f"{losses[-1]:.4f} after {len(losses)}"
    )
    with torch.no_grad():
        y_hat = model(X)
    for x, p in zip(X.tolist(), y_hat[:, 0].tolist()):
        print(f"  x = ({x[0]:.0f}, {x[1]:.0f})  ->  {p:.3f}")


if __name__ == "__main__":
    main()
