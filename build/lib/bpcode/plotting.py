"""Figures for the book, in one shared style.

Call :func:`use_book_style` once at the top of a notebook: it sets a
colour-blind-safe palette (Okabe & Ito), readable font sizes, labelled grids,
and PNG output for inline figures (so stored notebooks compare cleanly).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

# For the type hints only: matplotlib is imported lazily.
if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .autograd import Value
    from .training import History

#: Okabe–Ito colour-blind-safe palette, reordered so that black (first in the
#: original) comes last.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)


def use_book_style() -> None:
    """Apply the book's matplotlib style and make inline figures PNG.

    Sets the colour cycle to :data:`PALETTE`, font sizes of 10 pt (tick labels,
    legend) to 12 pt (titles),
    a light grid, a fixed figure size and dpi, and — when running inside
    IPython/Jupyter — the inline backend's figure format to PNG.
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=PALETTE),
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "image.cmap": "viridis",
            "svg.hashsalt": "bpcode",
        }
    )
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("png")
    except ImportError:  # pragma: no cover - plain Python without IPython
        pass


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    *,
    resolution: int = 200,
    padding: float = 0.25,
    title: str | None = None,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
) -> Axes:
    """Shade the class a 2-D classifier predicts everywhere, with the data on top.

    Parameters
    ----------
    predict : callable
        ``predict(points) -> labels``, with points of shape (m, 2) and labels
        of shape (m,) (e.g. ``lambda P: predict_labels(model.forward(P))``).
    X : ndarray of shape (n_samples, 2)
    y : ndarray of int, shape (n_samples,)
        Class labels 0, 1, 2, ... (a column of shape (n_samples, 1) is accepted).
    ax : matplotlib Axes, optional
    resolution : int, default=200
        Grid points per axis.
    padding : float, default=0.25
        Margin around the data, in data units.
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    where = "plot_decision_boundary"
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{where}: X must have shape (n_samples, 2), got {X.shape}")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:  # a column of labels
        y = y[:, 0]
    if y.shape != (len(X),):
        raise ValueError(
            f"{where}: y must hold one class label per row of X, shape "
            f"({len(X)},), got shape {y.shape} (one-hot rows? use argmax(axis=1))"
        )
    if y.dtype.kind not in "biuf" or not np.all(y == np.round(y)) or y.min() < 0:
        raise ValueError(
            f"{where}: y must be class labels 0, 1, 2, ..., got values "
            f"{np.unique(y)[:5]}{' ...' if len(np.unique(y)) > 5 else ''}"
        )
    y = y.astype(int)
    ax = ax if ax is not None else plt.gca()
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    gx, gy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    labels = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])))
    if labels.shape not in ((gx.size,), (gx.size, 1)):
        raise ValueError(
            f"{where}: predict must return one label per point, shape "
            f"({gx.size},) for {gx.size} points, got shape {labels.shape}; for a "
            "network's outputs use lambda P: predict_labels(model.forward(P))"
        )
    labels = labels.reshape(gx.shape)
    n_classes = int(max(labels.max(), y.max())) + 1
    cmap = ListedColormap(PALETTE[:n_classes])
    ax.contourf(
        gx, gy, labels, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.25
    )
    for k in range(n_classes):
        pts = X[y == k]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=18,
            color=PALETTE[k],
            edgecolor="white",
            linewidth=0.5,
            label=f"class {k}",
            marker="os^Dv<>p"[k % 8],
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best")
    return ax


def plot_loss_curves(
    history: History | Sequence[float],
    ax: Axes | None = None,
    *,
    title: str = "Training loss",
    ylabel: str = "loss",
    log: bool = False,
) -> Axes:
    """Plot a :class:`~bpcode.training.History` (training and validation loss per epoch).

    Parameters
    ----------
    history : History or sequence of float
    ax : matplotlib Axes, optional
    title, ylabel : str
    log : bool, default=False
        Logarithmic loss axis.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.gca()
    train = getattr(history, "loss", history)
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, label="training")
    val = getattr(history, "val_loss", [])
    if len(val):
        ax.plot(epochs, val, label="validation", linestyle="--")
        ax.legend()
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
    return ax


def draw_graph(
    output: Value,
    ax: Axes | None = None,
    *,
    show_grad: bool = True,
    title: str | None = None,
) -> Axes:
    """Draw the computational graph of an :class:`~bpcode.autograd.Value`.

    Inputs on the left, the output on the right; each node shows its label,
    operation, value and (optionally) gradient.

    Parameters
    ----------
    output : Value
    ax : matplotlib Axes, optional
    show_grad : bool, default=True
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    nodes = output.topological_order()
    depth: dict[int, int] = {}
    for node in nodes:  # parents come first
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    columns: dict[int, list] = {}
    for node in nodes:
        columns.setdefault(depth[id(node)], []).append(node)
    pos: dict[int, tuple[float, float]] = {}
    for d, col in columns.items():
        for j, node in enumerate(col):
            pos[id(node)] = (float(d), (len(col) - 1) / 2.0 - j)

    ax = ax if ax is not None else plt.gca()
    for node in nodes:
        x1, y1 = pos[id(node)]
        for p in node.parents:
            x0, y0 = pos[id(p)]
            # an edge that skips a column bends around the boxes in between
            bend = 0.0 if x1 - x0 <= 1.0 else (0.35 if y0 <= y1 else -0.35)
            ax.annotate(
                "",
                xy=(x1 - 0.28, y1),
                xytext=(x0 + 0.28, y0),
                arrowprops=dict(
                    arrowstyle="->",
                    color="0.4",
                    lw=1.0,
                    connectionstyle=f"arc3,rad={bend}",
                ),
            )
    for node in nodes:
        x, y = pos[id(node)]
        head = node.label or (node.op if node.op else "const")
        if node.label and node.op:
            head = f"{node.label} = {node.op}"
        text = f"{head}\n{node.data:.3g}"
        if show_grad:
            text += f"\ngrad {node.grad:.3g}"
        color = PALETTE[0] if not node.parents else PALETTE[1]
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=9,
            bbox=dict(boxstyle="round,pad=0.35", fc="white", ec=color, lw=1.5),
        )
    n_cols = max(columns) + 1
    n_rows = max(len(c) for c in columns.values())
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(-n_rows / 2.0 - 0.2, n_rows / 2.0 + 0.2)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def label_axes(ax: Axes, xlabel: str, ylabel: str, title: str | None = None) -> None:
    """Set the axis labels (with units where there are any) and the title.

    Parameters
    ----------
    ax : matplotlib Axes
    xlabel, ylabel : str
        Axis labels, e.g. ``"time (s)"``.
    title : str, optional
        No title when None or empty.
    """
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)


__all__: Sequence[str] = (
    "PALETTE",
    "use_book_style",
    "plot_decision_boundary",
    "plot_loss_curves",
    "draw_graph",
    "label_axes",
)
