"""What training shows and records per epoch: a progress bar, the epoch lines, EpochLog.

Three Keras callbacks, in the order ``fit`` runs them at the end of an epoch:

    EpochLogger     records an :class:`EpochLog` (costs, validation accuracy, seconds)
    (Checkpointer)  saves the epoch (cnnlib.checkpoints), so a printed epoch is a saved one
    EpochPrinter    prints ``Epoch: 3 cost = 0.123  validation accuracy: 0.975``

:class:`ProgressBar` redraws one line in place while an epoch runs.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Optional

import keras  # after cnnlib has imported TensorFlow quietly


@dataclass
class EpochLog:
    """What one epoch did.

    ``cost`` is the mean training loss over the epoch's batches; ``val_cost``
    and ``val_accuracy`` are the loss and accuracy on the validation digits
    (held out of the training digits, see ``validation_split``), NaN when
    training ran without validation. The test digits are never used here.
    """

    epoch: int
    cost: float
    val_cost: float
    val_accuracy: float
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


def epoch_line(log: EpochLog) -> str:
    """The line printed after each epoch: ``Epoch: 3 cost = 0.123  validation accuracy:
    0.975`` (without the accuracy when there is no validation)."""
    line = f"Epoch: {log.epoch} cost = {log.cost:.3f}"
    if not math.isnan(log.val_accuracy):
        line += f"  validation accuracy: {log.val_accuracy:.3f}"
    return line


class EpochLogger(keras.callbacks.Callback):
    """Appends an :class:`EpochLog` to ``history`` after every epoch and times it.

    Args:
        history: epochs already done (a resumed run's), continued in place.
        images_per_epoch: training digits per epoch, for :attr:`images_per_second`.
    """

    def __init__(self, history: Iterable[EpochLog] = (), images_per_epoch: int = 0):
        super().__init__()
        self.history = list(history)
        self.images_per_epoch = images_per_epoch
        self.seconds: list[float] = []  # of the epochs run in this call
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        took = time.perf_counter() - self._t0
        self.seconds.append(took)
        self.history.append(EpochLog(epoch + 1, float(logs["loss"]),
                                     float(logs.get("val_loss", math.nan)),
                                     float(logs.get("val_accuracy", math.nan)), took))

    @property
    def images_per_second(self) -> float:
        """Throughput of this call's epochs, the first left out when there are
        several (it includes tracing); 0 when no epoch ran."""
        timed = self.seconds[1:] if len(self.seconds) > 1 else self.seconds
        return self.images_per_epoch * len(timed) / sum(timed) if sum(timed) else 0.0


class EpochPrinter(keras.callbacks.Callback):
    """Prints :func:`epoch_line` of ``logger``'s newest epoch with ``printer``."""

    def __init__(self, logger: EpochLogger, printer: Callable[[str], None] = print):
        super().__init__()
        self.logger, self.printer = logger, printer

    def on_epoch_end(self, epoch, logs=None):
        self.printer(epoch_line(self.logger.history[-1]))


class _PlainText:
    """Shown by IPython as its text, not as a quoted Python string."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class ProgressBar(keras.callbacks.Callback):
    """A one-line progress bar for the whole run, updated in place.

    In a notebook it is one display that is redrawn (only its final state is
    stored in the notebook); in a terminal it is redrawn with a carriage
    return; elsewhere (a pipe, a log file) only the per-epoch lines appear.
    It reads the running loss every ``every`` steps, not every step.
    """

    def __init__(self, epochs: int, steps: int, every: int = 10, width: int = 30):
        super().__init__()
        self.epochs, self.steps, self.every, self.width = epochs, steps, max(1, every), width
        self.epoch = 0
        self._handle = None
        self._tty = False

    def on_train_begin(self, logs=None):
        if "ipykernel" in sys.modules:
            from IPython.display import display

            self._handle = display(_PlainText(self.text(0, None)), display_id=True)
        else:
            self._tty = sys.stdout.isatty()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def text(self, step: int, loss: Optional[float]) -> str:
        """``[#####     ] epoch 2/10, step 40/90  cost 0.123``."""
        done = (self.epoch * self.steps + step) / max(self.epochs * self.steps, 1)
        bar = "#" * round(done * self.width)
        cost = f"  cost {loss:.3f}" if loss is not None else ""
        return (f"[{bar:<{self.width}}] epoch {self.epoch + 1}/{self.epochs}, "
                f"step {step}/{self.steps}{cost}")

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every and batch + 1 != self.steps:
            return
        loss = (logs or {}).get("loss")
        text = self.text(batch + 1, None if loss is None else float(loss))
        if self._handle is not None:
            self._handle.update(_PlainText(text))
        elif self._tty:
            sys.stdout.write("\r" + text)
            sys.stdout.flush()

    def on_epoch_end(self, epoch, logs=None):
        if self._tty:
            sys.stdout.write("\r" + " " * (self.width + 60) + "\r")
            sys.stdout.flush()
