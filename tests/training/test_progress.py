"""cnnlib.training.progress: the tqdm bar, the epoch lines, and what each epoch records.

The bar must never run into an epoch's line (the old bug: ``... cost 2.012Epoch:
1 cost = 2.012``): on a terminal it is cleared before the line is printed. The
callbacks are driven here as ``fit`` drives them, on a fake terminal whose bytes
are replayed by a small terminal emulator (tests/training/terminal.py);
tests/training/test_cli.py checks the same on a real pseudo-terminal.
"""

from __future__ import annotations

import io
import math
import sys
import types

import pytest

from cnnlib.training import EpochLog, EpochLogger, EpochPrinter, ProgressBar, epoch_line

from .terminal import screen


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def log(epoch: int, cost: float = 2.012, val: float = 0.5) -> EpochLog:
    return EpochLog(epoch, cost, cost + 0.1, val, 1.0)


def drive(bar: ProgressBar, epochs: int, steps: int, printer=print) -> None:
    """Call the bar's hooks as ``model.fit`` does, printing each epoch's line."""
    bar.on_train_begin()
    if bar.bar is not None:  # redraw on every update (tqdm waits 0.2 s between redraws)
        bar.bar.mininterval, bar.bar.miniters = 0, 1
    for e in range(epochs):
        bar.on_epoch_begin(e)
        for b in range(steps):
            bar.on_train_batch_end(b, {"loss": 2.012})
        bar.on_epoch_end(e)
        printer(epoch_line(log(e + 1)))
    bar.on_train_end()


def test_epoch_line_never_runs_into_the_bar_on_a_terminal(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", term)
    drive(ProgressBar(epochs=3, steps=20, every=10), epochs=3, steps=20)
    raw = term.getvalue()
    # the bar was drawn, with the running cost, before each epoch's line
    for e in (1, 2, 3):
        before = raw.split(epoch_line(log(e)))[0].rsplit("Epoch:", 1)[-1]
        assert f"epoch {e}/3" in before and "cost 2.012" in before, before
    shown = [line for line in screen(raw) if line]
    assert shown == [epoch_line(log(e)) for e in (1, 2, 3)]  # bar cleared at the end
    assert "2.012Epoch" not in raw


def test_bar_counts_steps_of_all_epochs_from_where_a_resumed_run_starts(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stdout", FakeTerminal())
    bar = ProgressBar(epochs=4, steps=25, first_epoch=1, every=10)
    bar.on_train_begin()
    tqdm_bar = bar.bar
    assert (tqdm_bar.total, tqdm_bar.n) == (100, 25)
    assert tqdm_bar.desc.startswith("epoch 2/4")
    bar.on_epoch_begin(1)
    for b in range(25):  # updates every 10 steps and at the epoch's last step
        bar.on_train_batch_end(b, {"loss": 0.5})
    assert tqdm_bar.n == 50 and tqdm_bar.postfix == "cost 0.500"
    bar.on_train_end()
    assert bar.bar is None


def test_in_a_pipe_only_the_epoch_lines_appear(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    pipe = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stdout", pipe)
    drive(ProgressBar(epochs=2, steps=20), epochs=2, steps=20)
    assert pipe.getvalue().splitlines() == [epoch_line(log(1)), epoch_line(log(2))]


def test_in_a_notebook_the_bar_is_one_display_showing_its_text(monkeypatch):
    import IPython.display
    from IPython.core.formatters import DisplayFormatter

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj)

    def display(obj, display_id=False):
        assert display_id is True
        shown.append(obj)
        return Handle()

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(IPython.display, "display", display)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    lines = []
    drive(ProgressBar(epochs=2, steps=20, every=10), 2, 20, printer=lines.append)
    texts = [DisplayFormatter().format(obj)[0]["text/plain"] for obj in shown]
    assert texts[0] == ""  # the display is made once, empty, then updated in place
    assert all("\n" not in t and not t.startswith(("'", '"')) for t in texts)
    assert any(t.startswith("epoch 1/2") and "cost 2.012" in t for t in texts), texts
    assert texts[-1].startswith("epoch 2/2") and "40/40" in texts[-1]
    assert terminal.getvalue() == ""  # nothing went to the terminal
    assert lines == [epoch_line(log(1)), epoch_line(log(2))]


def test_epoch_line_with_and_without_validation():
    assert epoch_line(EpochLog(3, 0.12345, 0.2, 0.97512, 1.0)) == (
        "Epoch: 3 cost = 0.123  validation accuracy: 0.975"
    )
    assert (
        epoch_line(EpochLog(1, 2.0, math.nan, math.nan, 1.0)) == "Epoch: 1 cost = 2.000"
    )


def test_logger_records_each_epoch_and_the_printer_prints_it():
    earlier = [log(1)]
    logger = EpochLogger(earlier, images_per_epoch=100)
    lines = []
    printer = EpochPrinter(logger, lines.append)
    for epoch, loss in ((1, 0.5), (2, 0.25)):
        logger.on_epoch_begin(epoch)
        logger.on_epoch_end(epoch, {"loss": loss, "val_loss": 0.4, "val_accuracy": 0.9})
        printer.on_epoch_end(epoch)
    assert [h.epoch for h in logger.history] == [1, 2, 3]  # a resumed run continues
    assert earlier == [log(1)]  # the caller's list is not changed
    assert [h.cost for h in logger.history[1:]] == [0.5, 0.25]
    assert logger.history[2].as_dict()["val_accuracy"] == 0.9
    assert lines == [epoch_line(h) for h in logger.history[1:]]
    no_val = EpochLogger()
    no_val.on_epoch_begin(0)
    no_val.on_epoch_end(0, {"loss": 1.0})
    assert math.isnan(no_val.history[0].val_accuracy)


def test_images_per_second_leaves_out_the_first_epoch_of_several():
    logger = EpochLogger(images_per_epoch=100)
    assert logger.images_per_second == 0.0  # no epoch ran
    logger.seconds = [5.0]
    assert logger.images_per_second == pytest.approx(20.0)
    logger.seconds = [5.0, 1.0, 3.0]  # the first includes tracing
    assert logger.images_per_second == pytest.approx(200 / 4)
