"""XOR with bpcode: the book's own version of the chapter 7 network.

A 2-4-1 network (tanh hidden layer, sigmoid output) trained on the four XOR
points with the book's mean squared error L = 1/(2n) * sum (y_hat - y)^2 and
plain full-batch gradient descent. Everything is float64.

Run it from the repository root:  python book/frameworks/xor_bpcode.py
"""

import numpy as np

from bpcode import SGD, Dense, MSELoss, Sequential, Sigmoid, Tanh, datasets

LEARNING_RATE = 0.5
EPOCHS = 2000


def build_model(seed=0):
    """The 2-4-1 network; W has shape (n_in, n_out), biases start at 0."""
    rng = np.random.default_rng(seed)
    return Sequential(
        [
            Dense(2, 4, rng=rng),
            Tanh(),
            Dense(4, 1, rng=rng),
            Sigmoid(),
        ]
    )


def train(model, X, y, epochs=EPOCHS, lr=LEARNING_RATE):
    """Full-batch gradient descent; returns the loss before each update."""
    loss_fn = MSELoss()  # already has the factor 1/2
    optimizer = SGD(model, lr=lr)
    losses = []
    for _ in range(epochs):
        y_hat = model.forward(X)  # 1. forward pass
        losses.append(loss_fn.forward(y_hat, y))  # 2. error
        model.backward(loss_fn.backward())  # 3. backward: sets dW, db
        optimizer.step()  # 4. W -= lr * dW, ...
    return losses


def main():
    X, y = datasets.xor()
    model = build_model(seed=0)
    losses = train(model, X, y)
    print(
        f"bpcode: loss {losses[0]:.4f} after 1 epoch, "
        f"{losses[-1]:.4f} after {len(losses)}"
    )
    for x, p in zip(X, model.forward(X)[:, 0]):
        print(f"  x = ({x[0]:.0f}, {x[1]:.0f})  ->  {p:.3f}")


if __name__ == "__main__":
    main()
