"""XOR with Keras 3: the same 2-4-1 network as xor_bpcode.py.

What differs from bpcode:
* keras.layers.Dense(n_out) infers n_in from its input, takes the
  activation as an argument, and stores its kernel as (n_in, n_out),
  exactly like bpcode's W;
* keras.losses.MeanSquaredError averages over all n * k entries and has no
  factor 1/2, so we write the book's loss ourselves;
* Keras computes in float32 unless told otherwise: we ask for float64.

Run it from the repository root:  python book/frameworks/xor_keras.py
"""

import keras
import numpy as np

LEARNING_RATE = 0.5
EPOCHS = 2000


def build_model(seed=0, dtype="float64"):
    """The 2-4-1 network with Keras's default initialisation, seeded."""
    keras.config.set_floatx(dtype)  # weights, optimizer, loss: float64
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(4, activation="tanh"),  # kernel (2, 4) = W1
            keras.layers.Dense(1, activation="sigmoid"),  # kernel (4, 1) = W2
        ]
    )


def half_mse(y_true, y_pred):
    """The book's loss of each sample: 1/2 * sum over its outputs.

    Keras averages a loss function's per-sample values over the batch,
    which gives the book's L = 1/(2n) * sum over samples and outputs.
    """
    return 0.5 * keras.ops.sum(keras.ops.square(y_pred - y_true), axis=-1)


def train(model, X, y, epochs=EPOCHS, lr=LEARNING_RATE):
    """Full-batch gradient descent; returns the loss before each update.

    model.fit(X, y, batch_size=len(X), epochs=epochs, shuffle=False) makes
    the same updates, but its bookkeeping per epoch costs far more than a
    step on four samples, so we call train_on_batch once per epoch.
    """
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    model.compile(optimizer=optimizer, loss=half_mse)
    return [model.train_on_batch(X, y) for _ in range(epochs)]


def main():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    model = build_model(seed=0)
    losses = train(model, X, y)
    print(
        f"Keras: loss {losses[0]:.4f} after 1 epoch, "
        f"{losses[-1]:.4f} after {len(losses)}"
    )
    for x, p in zip(X, model.predict(X, verbose=0)[:, 0]):
        print(f"  x = ({x[0]:.0f}, {x[1]:.0f})  ->  {p:.3f}")


if __name__ == "__main__":
    main()
