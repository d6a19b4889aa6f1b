"""bpcode: backpropagation in NumPy, small enough to read and tested to machine precision.

The names most programs need are importable from the package itself::

    from bpcode import Dense, Tanh, Sigmoid, Sequential, MSELoss, SGD, fit, train_step
"""

from . import (
    autograd,
    datasets,
    experiments,
    functional,
    init,
    language,
    metrics,
    plotting,
)
from ._checks import NonFiniteError
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from .attention import PositionalEmbedding, SelfAttention, sinusoidal_positions
from .autograd import Value
from .conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
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
from .normalization import BatchNorm, LayerNorm
from .optim import SGD, Adam, AdamW, Optimizer, clip_grad_norm
from .recurrent import LSTM, RNN, LastStep
from .regularization import Dropout
from .training import History, TrainingDivergedError, fit, train_step

__version__ = "0.2.0"

__all__ = [
    "Activation",
    "Adam",
    "AdamW",
    "AvgPool2D",
    "BatchNorm",
    "BinaryCrossEntropy",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GradCheckReport",
    "History",
    "Identity",
    "LSTM",
    "LastStep",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "Loss",
    "MSELoss",
    "MaxPool2D",
    "NonFiniteError",
    "Optimizer",
    "PositionalEmbedding",
    "PrecisionWarning",
    "RNN",
    "ReLU",
    "Residual",
    "SGD",
    "SelfAttention",
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
    "experiments",
    "fit",
    "functional",
    "gradient_check",
    "init",
    "language",
    "metrics",
    "numerical_gradient",
    "plotting",
    "predict_labels",
    "relative_error",
    "sinusoidal_positions",
    "train_step",
]
