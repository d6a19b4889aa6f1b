"""Convolution and pooling layers for images: ``Conv2D``, ``MaxPool2D``, ``AvgPool2D``, ``Flatten``.

Images are batches in PyTorch's NCHW layout: X of shape (n_samples, channels, H, W).
A convolution slides a k × k kernel over the image with a step (``stride``) s, after
surrounding the image with ``padding`` p rows and columns of zeros. Like every framework
it computes a cross-correlation (the kernel is not flipped):

    Z[n, o, h, w] = b[o] + Σ_{c, i, j} Xp[n, c, h·s + i, w·s + j] · W[o, c, i, j]

where Xp is the padded input. The output has H_out = ⌊(H + 2p − k) / s⌋ + 1 rows (and
likewise columns): a window that does not fit at the border is dropped.

The forward pass goes through one helper, :func:`correlate`, which takes the k × k
patches of the images as a strided view (:func:`patches`, no copy) and contracts them
with the kernels in one matrix product (im2col). With U[n, c, h, w, i, j] the patches of
Xp, Z = U · W: a Dense layer whose samples are the n·H_out·W_out windows. The backward
pass is therefore that of a Dense layer (the book's BP2–BP4), followed by col2im:

* ∂𝓛/∂b[o] = Σ_{n, h, w} δ[n, o, h, w] (BP3): the bias is added at every output pixel;
* ∂𝓛/∂W[o, c, i, j] = Σ_{n, h, w} δ[n, o, h, w] · Xp[n, c, h·s + i, w·s + j] (BP4,
  Uᵀ · δ): the correlation of the padded input with the output gradient;
* ∂𝓛/∂U[n, c, h, w, i, j] = Σ_o δ[n, o, h, w] · W[o, c, i, j] (BP2, δ · W summed over o),
  and since patch pixel (i, j) of window (h, w) is input pixel (h·s + i, w·s + j),
  ∂𝓛/∂Xp is the sum of these patch gradients put back where the patches came from
  (col2im, a scatter-add over the k² offsets (i, j), see :func:`window_offsets`);
  ∂𝓛/∂X is ∂𝓛/∂Xp without the padding. This equals the full convolution of δ with
  the kernel, i.e. the correlation of δ (dilated by the stride, padded by k − 1) with
  the flipped kernel, computed without the zeros: the tests check one against the other.

The pooling layers take the same windows and reduce each to one number (its maximum or
its mean); their backward passes send each output's gradient back to the window it came
from, one k × k offset at a time, like the convolution's.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_generator, as_parameter, check_positive_int
from .init import Initializer, get_initializer
from .layers import Layer

Seed = None | int | np.random.Generator


def patches(X: np.ndarray, k: int, stride: int) -> np.ndarray:
    """The k × k windows of a batch of images, every ``stride``-th one, as a view (no copy).

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, H, W)
    k : int
        Window size.
    stride : int
        Step between windows.

    Returns
    -------
    ndarray of shape (n_samples, channels, H_out, W_out, k, k)
        ``patches(X, k, s)[n, c, h, w, i, j] == X[n, c, h·s + i, w·s + j]``, with
        H_out = ⌊(H − k) / s⌋ + 1 and W_out likewise. Read-only.

    Raises
    ------
    TypeError
        If ``X`` is not a NumPy array.
    ValueError
        If ``X`` is not 4-D, ``k`` or ``stride`` is not a positive integer, or the
        window is larger than the images.
    """
    _check_windows(X, k, stride, "patches", "window")
    return sliding_window_view(X, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]


def correlate(X: np.ndarray, K: np.ndarray, stride: int = 1) -> np.ndarray:
    """Cross-correlation of a batch of images with a bank of kernels (no padding).

    Z[n, o, h, w] = Σ_{c, i, j} X[n, c, h·s + i, w·s + j] · K[o, c, i, j]

    Parameters
    ----------
    X : ndarray of shape (n_samples, in_channels, H, W)
    K : ndarray of shape (out_channels, in_channels, k, k)
    stride : int, default=1

    Returns
    -------
    ndarray of shape (n_samples, out_channels, H_out, W_out)

    Raises
    ------
    TypeError
        If ``X`` or ``K`` is not a NumPy array.
    ValueError
        If the shapes do not fit: ``X`` not 4-D, ``K`` not square kernels of
        ``X.shape[1]`` input channels, a kernel larger than the images, or ``stride``
        not a positive integer.
    """
    _check_kernels(X, K, stride, "correlate")
    U = patches(X, K.shape[-1], stride)  # (n, c, h, w, i, j)
    return np.einsum("nchwij,ocij->nohw", U, K, optimize=True)  # one matrix product


def window_offsets(
    k: int, stride: int, H_out: int, W_out: int
) -> list[tuple[int, int, slice, slice]]:
    """For each offset (i, j) inside a k × k window: the input rows and columns it covers.

    Pixel (i, j) of window (h, w) is input pixel (h·s + i, w·s + j), so pixel (i, j) of
    all the windows is the strided slice ``X[:, :, rows, cols]``, of shape
    (n, C, H_out, W_out). A backward pass adds each window's gradient there, offset by
    offset; windows that overlap thus add up.

    Parameters
    ----------
    k : int
        Window size.
    stride : int
        Step s between windows.
    H_out, W_out : int
        Number of windows down and across (the output's height and width).

    Returns
    -------
    list of (int, int, slice, slice)
        ``(i, j, rows, cols)`` for the k² offsets in row-major order: rows i, i + s,
        ..., i + s·(H_out − 1) and likewise cols.
    """
    s = stride
    return [
        (i, j, slice(i, i + s * H_out, s), slice(j, j + s * W_out, s))
        for i in range(k)
        for j in range(k)
    ]


def _check_windows(X: object, k: object, stride: object, where: str, what: str) -> None:
    """Raise unless k × k windows every ``stride`` pixels can be taken from images X."""
    if not isinstance(X, np.ndarray):
        raise TypeError(
            f"{where}: X must be a NumPy array of shape (n_samples, channels, H, W), "
            f"got {type(X).__name__}"
        )
    k = check_positive_int(k, f"the {what} size k", where)
    check_positive_int(stride, "stride", where)
    problem = _image_error(X.shape, None, k, 0, what)
    if problem is not None:
        raise ValueError(f"{where}: {problem}")


def _check_kernels(X: object, K: object, stride: object, where: str) -> None:
    """Raise unless the kernels K can be correlated with the images X."""
    if not isinstance(K, np.ndarray):
        raise TypeError(
            f"{where}: K must be a NumPy array of shape (out_channels, in_channels, "
            f"k, k), got {type(K).__name__}"
        )
    if K.ndim != 4 or K.shape[2] != K.shape[3]:
        raise ValueError(
            f"{where}: K must have shape (out_channels, in_channels, k, k), square "
            f"kernels, got shape {K.shape}"
        )
    _check_windows(X, K.shape[-1], stride, where, "kernel")
    if K.shape[1] != X.shape[1]:
        raise ValueError(
            f"{where}: the kernels take {K.shape[1]} input channels (K of shape "
            f"{K.shape}), the images have {X.shape[1]} (X of shape {X.shape})"
        )


def _check_non_negative_int(value: object, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(
            f"{where}: {name} must be a non-negative integer, got {value!r}"
        )
    return int(value)


def _image_error(
    shape: tuple[int, ...], channels: int | None, k: int, padding: int, what: str
) -> str | None:
    """What is wrong with an input of this shape for k × k windows, or None."""
    c = "channels" if channels is None else f"in_channels={channels}"
    expected = f"expected input of shape (n_samples, {c}, H, W), got shape {shape}"
    if len(shape) != 4:
        hint = (
            " (a single image needs a batch axis: X[None])" if len(shape) == 3 else ""
        )
        return expected + hint
    if channels is not None and shape[1] != channels:
        return expected
    H, W = shape[2] + 2 * padding, shape[3] + 2 * padding
    if k > min(H, W):
        padded = f" padded to {H}×{W} (padding={padding})" if padding else ""
        return (
            f"the {what} {k}×{k} is larger than the input image {shape[2]}×{shape[3]}"
            f"{padded}"
        )
    return None


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in every framework) over NCHW images.

    Z[n, o, h, w] = b[o] + Σ_{c, i, j} Xp[n, c, h·s + i, w·s + j] · W[o, c, i, j],
    with Xp the input padded with ``padding`` zeros on each side and s the stride.

    Memory: keeps its input X (not padded), the array that the layer below already keeps
    as its output (a ReLU's A, a pooling layer's input...), so the convolution adds no
    activation memory of its own. The backward pass pads it again (a cheap copy) and takes
    its patches as a view. The alternative, keeping the column matrix of patches that
    the forward pass multiplied, would hold every pixel k² times (9× for 3 × 3 kernels);
    here that matrix exists only for the duration of each matrix product.

    Parameters
    ----------
    in_channels : int
        Channels C of the input.
    out_channels : int
        Channels (number of kernels) of the output.
    kernel_size : int
        Side k of the square kernels.
    stride : int, default=1
        Step s between windows.
    padding : int, default=0
        Rows and columns of zeros added on each side of the image.
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the initial weights.
    init : str or callable, default="he"
        Weight initialiser, see :func:`bpcode.init.get_initializer`. Each output pixel is
        a Dense unit on a patch of fan_in = C·k·k inputs, so W is drawn as the weight
        matrix of ``Dense(C·k·k, out_channels)`` (``init(C·k·k, out_channels, rng)``, shape
        (C·k·k, out_channels)) and transposed and reshaped to (out_channels, C, k, k):
        ``"he"`` gives N(0, 2 / fan_in), as PyTorch's ``kaiming_normal_``; ``"xavier"``
        gives Glorot's uniform law with fan_out = out_channels (PyTorch counts
        out_channels·k·k). Biases start at zero.

    Attributes
    ----------
    W : ndarray of shape (out_channels, in_channels, k, k)
        The kernels, in PyTorch's layout (``torch.nn.Conv2d.weight``).
    b : ndarray of shape (out_channels,)
    dW, db : ndarrays of the shapes of W and b
        ∂𝓛/∂W and ∂𝓛/∂b after :meth:`~bpcode.layers.Layer.backward`.

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2D(3, 8, 3, padding=1, rng=0)
    >>> conv.forward(np.ones((2, 3, 5, 5))).shape
    (2, 8, 5, 5)
    """

    params = ("W", "b")
    _cache = ("_X",)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        padding: int = 0,
        rng: Seed = None,
        init: str | Initializer = "he",
    ) -> None:
        self.in_channels = check_positive_int(in_channels, "in_channels", "Conv2D")
        self.out_channels = check_positive_int(out_channels, "out_channels", "Conv2D")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size", "Conv2D")
        self.stride = check_positive_int(stride, "stride", "Conv2D")
        self.padding = _check_non_negative_int(padding, "padding", "Conv2D")
        k, C = self.kernel_size, self.in_channels
        fan_in = C * k * k
        W = get_initializer(init)(
            fan_in, self.out_channels, as_generator(rng, repr(self))
        )
        W = as_parameter(
            W, (fan_in, self.out_channels), f"{self!r}: the initialiser's W"
        )
        self.W = W.T.reshape(self.out_channels, C, k, k).copy()  # column o: kernel o
        self.b = np.zeros(self.out_channels)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self._X: np.ndarray | None = None

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        return _image_error(
            shape, self.in_channels, self.kernel_size, self.padding, "kernel"
        )

    def _pad(self, X: np.ndarray) -> np.ndarray:
        """X with ``padding`` zeros around each image (X itself if padding is 0)."""
        p = self.padding
        return np.pad(X, ((0, 0), (0, 0), (p, p), (p, p))) if p else X

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._X = X  # ∂𝓛/∂W needs the input
        Z = correlate(self._pad(X), self.W, self.stride)  # Z = Xp ⋆ W
        Z += self.b[:, None, None]  # + b[o] at every pixel of channel o
        return Z

    def _backward(self, delta: np.ndarray) -> np.ndarray:
        self._parameter_gradients(delta)
        n, C, height, width = self._X.shape
        p = self.padding
        dU = np.einsum("nohw,ocij->nchwij", delta, self.W, optimize=True)  # BP2: ∂𝓛/∂U
        dXp = np.zeros((n, C, height + 2 * p, width + 2 * p))
        offsets = window_offsets(self.kernel_size, self.stride, *delta.shape[2:])
        for i, j, rows, cols in offsets:  # col2im: patch pixel (i, j) back to its place
            dXp[:, :, rows, cols] += dU[..., i, j]  # windows that overlap add up
        return dXp[:, :, p : p + height, p : p + width]  # drop the padding

    def _parameter_gradients(self, delta: np.ndarray) -> None:
        U = patches(self._pad(self._X), self.kernel_size, self.stride)  # (n,c,h,w,i,j)
        self.dW = np.einsum("nohw,nchwij->ocij", delta, U, optimize=True)  # BP4: Uᵀδ
        self.db = delta.sum(axis=(0, 2, 3))  # BP3: Σ_{n,h,w} δ[n, o, h, w]

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.in_channels} -> {self.out_channels}, k={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding})"
        )


class Pool2D(Layer):
    """Base class of the pooling layers: their arguments, input checks and windows.

    Parameters
    ----------
    kernel_size : int
        Side k of the square windows.
    stride : int, optional
        Step s between windows; defaults to ``kernel_size`` (windows side by side).
    """

    def __init__(self, kernel_size: int, *, stride: int | None = None) -> None:
        name = type(self).__name__
        self.kernel_size = check_positive_int(kernel_size, "kernel_size", name)
        if stride is None:
            stride = self.kernel_size
        self.stride = check_positive_int(stride, "stride", name)
        self._in_shape: tuple[int, ...] | None = None

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        return _image_error(shape, None, self.kernel_size, 0, "window")

    def _output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(n, C, H_out, W_out) with H_out = ⌊(H − k) / s⌋ + 1: partial windows dropped."""
        n, C, H, W = in_shape
        k, s = self.kernel_size, self.stride
        return n, C, (H - k) // s + 1, (W - k) // s + 1

    def _offsets(
        self, in_shape: tuple[int, ...]
    ) -> list[tuple[int, int, slice, slice]]:
        """:func:`window_offsets` for an input of this shape."""
        _, _, H_out, W_out = self._output_shape(in_shape)
        return window_offsets(self.kernel_size, self.stride, H_out, W_out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(k={self.kernel_size}, stride={self.stride})"


class MaxPool2D(Pool2D):
    """Max pooling: the largest value of each k × k window, channel by channel.

    A[n, c, h, w] = max_{i, j} X[n, c, h·s + i, w·s + j]. Windows that do not fit at the
    border are dropped (as PyTorch without padding).

    Backward: like ``max`` in a scalar graph, each window passes its output gradient to
    the input position that won and nothing to the others. Ties: the gradient goes to ONE
    position per window, the first maximum in row-major order (smallest i, then smallest
    j), like PyTorch. With overlapping windows (stride < kernel size) an input that wins
    several windows receives the sum of their gradients.

    Memory: keeps where each maximum is, its offset i·k + j inside its window, one small
    integer per output entry (shape (n, C, H_out, W_out), in the smallest unsigned type
    that holds k·k − 1: one byte per entry up to 16 × 16 windows); not the input.

    Parameters
    ----------
    kernel_size : int
        Side k of the square windows.
    stride : int, optional
        Step s between windows; defaults to ``kernel_size`` (windows side by side).
    """

    _cache = ("_argmax",)

    def __init__(self, kernel_size: int, *, stride: int | None = None) -> None:
        super().__init__(kernel_size, stride=stride)
        self._argmax: np.ndarray | None = None

    def _windows(self, X: np.ndarray) -> np.ndarray:
        """The windows of X as rows of k·k values: shape (n, C, H_out, W_out, k·k), a copy."""
        k = self.kernel_size
        return patches(X, k, self.stride).reshape(*self._output_shape(X.shape), k * k)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._in_shape = X.shape
        windows = self._windows(X)
        argmax = windows.argmax(axis=-1)  # offset i·k + j of the first maximum
        A = np.take_along_axis(windows, argmax[..., None], axis=-1)  # A = X at the max
        self._argmax = argmax.astype(np.min_scalar_type(self.kernel_size**2 - 1))
        return A[..., 0]

    def _backward(self, dA: np.ndarray) -> np.ndarray:
        dX = np.zeros(self._in_shape)
        for i, j, rows, cols in self._offsets(self._in_shape):
            won = self._argmax == i * self.kernel_size + j  # windows whose max is there
            dX[:, :, rows, cols] += np.where(won, dA, 0.0)  # overlapping windows add up
        return dX

    def count_near_kinks(self, X: np.ndarray, radius: float) -> int:
        """How many windows of ``X`` have their two largest values within ``radius``.

        There ``max`` switches from one input to the other: a kink, where a finite
        difference of size ``radius`` can disagree with the gradient (a tie is a kink).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels, H, W)
            The input of this layer (not of the network).
        radius : float
            The step of the finite difference, or a multiple of it.

        Returns
        -------
        int
            The number of windows, over all samples and channels; 0 for 1 × 1 windows.
        """
        if self.kernel_size == 1:
            return 0  # a 1 × 1 window is the identity
        windows = self._windows(np.asarray(X, dtype=np.float64))
        top2 = np.partition(windows, -2, axis=-1)[..., -2:]  # second largest, largest
        return int(np.count_nonzero(top2[..., 1] - top2[..., 0] <= radius))


class AvgPool2D(Pool2D):
    """Average pooling: the mean of each k × k window, channel by channel.

    A[n, c, h, w] = (1 / k²) Σ_{i, j} X[n, c, h·s + i, w·s + j]. Windows that do not fit
    at the border are dropped (as PyTorch without padding). Backward: each window spreads
    its output gradient equally, 1/k² to each of its k² inputs (overlapping windows add up).

    Memory: keeps no array (only the input's shape): the mean is linear, its gradient
    does not depend on the input.

    Parameters
    ----------
    kernel_size : int
        Side k of the square windows.
    stride : int, optional
        Step s between windows; defaults to ``kernel_size`` (windows side by side).
    """

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._in_shape = X.shape
        offsets = self._offsets(X.shape)
        A = sum(X[:, :, rows, cols] for _, _, rows, cols in offsets)  # Σ over (i, j)
        return A / self.kernel_size**2

    def _backward(self, dA: np.ndarray) -> np.ndarray:
        dX = np.zeros(self._in_shape)
        share = dA / self.kernel_size**2  # each input of a window gets 1/k² of its δ
        for _, _, rows, cols in self._offsets(self._in_shape):
            dX[:, :, rows, cols] += share  # overlapping windows add up
        return dX


class Flatten(Layer):
    """Flattens each sample into a row: (n, C, H, W) -> (n, C·H·W), any (n, ...) -> (n, -1).

    The bridge from convolutional layers to ``Dense``. Backward reshapes the gradient
    back to the input's shape. The order is NumPy's (C order), as ``torch.flatten(X, 1)``.

    Memory: keeps no array (only the input's shape); the output is a view of the input
    where NumPy's ``reshape`` can make one.
    """

    def __init__(self) -> None:
        self._in_shape: tuple[int, ...] | None = None

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        if len(shape) >= 2:
            return None
        return (
            f"expected input of shape (n_samples, ...) with at least 2 axes, got shape "
            f"{shape} (a 1-D array is one value per sample: use X.reshape(-1, 1))"
        )

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._in_shape = X.shape
        return X.reshape(len(X), -1)

    def _backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out.reshape(self._in_shape)
