"""What training shows and records per epoch: a progress bar, the epoch lines, EpochLog.

Three Keras callbacks, in the order ``fit`` runs them at the end of an epoch:

    EpochLogger     records an :class:`EpochLog` (costs, validation accuracy, seconds)
    (Checkpointer)  saves the epoch (:mod:`.checkpoints`), so a printed epoch is a
                    saved one
    (ProgressBar)   clears its bar in a terminal
    EpochPrinter    prints ``Epoch: 3 cost = 0.123  validation accuracy: 0.975``

:class:`ProgressBar` shows tqdm's bar (rate, time left) while the run goes on.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Optional

import tqdm

from ..core.tf import keras


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
        self.history.append(
            EpochLog(
                epoch + 1,
                float(logs["loss"]),
                float(logs.get("val_loss", math.nan)),
                float(logs.get("val_accuracy", math.nan)),
                took,
            )
        )

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


class _NotebookLine:
    """A file for tqdm that shows its latest line as one display, redrawn in place.

    In a notebook only the final state of the display is stored, not every
    redraw (as a stream of carriage returns would be).
    """

    def __init__(self):
        from IPython.display import display

        self._handle = display(_PlainText(""), display_id=True)

    def write(self, text: str) -> None:
        line = text.replace("\r", "\n").strip()
        if line:
            self._handle.update(_PlainText(line.splitlines()[-1]))

    def flush(self) -> None:
        pass


class _PlainText:
    """Shown by IPython as its text, not as a quoted Python string."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class ProgressBar(keras.callbacks.Callback):
    """tqdm's progress bar over the whole run: steps done, rate, time left, running
    cost.

    In a notebook it is one display redrawn in place; in a terminal it is
    tqdm's bar, cleared before each epoch's line is printed so the two never
    run together; elsewhere (a pipe, a log file) only the epoch lines appear.
    It reads the running cost every ``every`` steps.
    """

    def __init__(self, epochs: int, steps: int, first_epoch: int = 0, every: int = 10):
        super().__init__()
        self.epochs, self.steps, self.every = epochs, steps, max(1, every)
        self.first_epoch = first_epoch
        self.bar: Optional[tqdm.tqdm] = None
        self._terminal = False  # the bar is drawn on the terminal the epoch lines go to
        self._pending = 0

    def on_train_begin(self, logs=None):
        if "ipykernel" in sys.modules:
            out, ncols, leave = _NotebookLine(), 90, True
        elif sys.stdout.isatty():
            out, ncols, leave = sys.stdout, None, False
        else:
            return
        self._terminal = out is sys.stdout
        self.bar = tqdm.tqdm(
            total=self.epochs * self.steps,
            initial=self.first_epoch * self.steps,
            unit="step",
            file=out,
            ncols=ncols,
            dynamic_ncols=ncols is None,
            leave=leave,
            mininterval=0.2,
            desc=f"epoch {self.first_epoch + 1}/{self.epochs}",
        )

    def on_epoch_begin(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}", refresh=False)

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is None:
            return
        self._pending += 1
        if self._pending < self.every and batch + 1 != self.steps:
            return
        loss = (logs or {}).get("loss")
        if loss is not None:
            self.bar.set_postfix_str(f"cost {float(loss):.3f}", refresh=False)
        self.bar.update(self._pending)
        self._pending = 0

    def on_epoch_end(self, epoch, logs=None):
        # (tqdm wraps its file, so bar.fp is never sys.stdout itself)
        if self.bar is not None and self._terminal:
            self.bar.clear()  # the epoch line is printed next, on a clean line

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
