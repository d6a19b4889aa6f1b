"""bpcode: backpropagation in NumPy, small enough to read and tested to machine precision.

The names most programs need are importable from the package itself::

    from bpcode import Dense, Tanh, Sigmoid, Sequential, MSELoss, SGD, fit, train_step
"""

from . import autograd, datasets, functional, init, metrics, plotting
from ._checks import NonFiniteError
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from .autograd import Value
from .gradcheck import (
    GradCheckReport,
    PrecisionWarning,
    gradient_check,
    numerical_gradient,
    relative_error,
)
from .layers import Activation, Dense, Embedding, Layer, Residual, Sequential
from .losses import BinaryCrossEntropy, Loss, MSELoss, SoftmaxCrossEntropy
from .metrics import accuracy, confusion_matrix, predict_labels
from .optim import SGD, Adam, AdamW, Optimizer, clip_grad_norm
from .training import History, TrainingDivergedError, fit, train_step

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "Adam",
    "AdamW",
    "BinaryCrossEntropy",
    "Dense",
    "Embedding",
    "GradCheckReport",
    "History",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Loss",
    "MSELoss",
    "NonFiniteError",
    "Optimizer",
    "PrecisionWarning",
    "ReLU",
    "Residual",
    "SGD",
    "Sequential",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Tanh",
    "TrainingDivergedError",
    "Value",
    "accuracy",
    "autograd",
    "clip_grad_norm",
    "confusion_matrix",
    "datasets",
    "fit",
    "functional",
    "gradient_check",
    "init",
    "metrics",
    "numerical_gradient",
    "plotting",
    "predict_labels",
    "relative_error",
    "train_step",
]
