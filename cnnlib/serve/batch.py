"""The batching predictor behind the service: :class:`DigitModel`.

The trained model is turned into the float32, probabilities-out model of
:func:`cnnlib.deploy.deployable_model` and called through one compiled form
(LiteRT's interpreter or a ``tf.function`` with a fixed input signature; no
``model.predict`` per request). Requests that arrive while the model is busy
are **batched**: one worker thread takes everything waiting (up to
``max_batch`` digits) and runs it as one call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from typing import Optional

import numpy as np

from ..core import checks, quiet
from ..core.tf import keras, tf
from ..deploy import deployable, litert
from . import limits


class DigitModel:
    """The model behind the service: one compiled call per batch, requests batched
    together.

    The trained model becomes :func:`cnnlib.deploy.deployable_model` (float32,
    raw digits in, probabilities out), then one of two compiled forms, called
    without ``model.predict``'s per-call overhead:

    * ``"litert"`` (default): converted to a float32 LiteRT flatbuffer in memory
      and run by LiteRT's interpreter, one interpreter per batch size 1, 2, 4
      ... ``max_batch`` (a batch is padded to the next size). Its digits are the
      float32 model's to about 1e-6 in probability.
    * ``"tensorflow"``: one ``tf.function`` with a fixed input signature.

    Args:
        model: a trained Keras model (raw digits -> logits, any precision).
        max_batch: most digits per model call.
        backend: ``"litert"`` or ``"tensorflow"``.
    """

    def __init__(
        self,
        model: keras.Model,
        max_batch: int = limits.MAX_BATCH,
        backend: str = "litert",
    ):
        checks.one_of(backend, "backend", limits.BACKENDS)
        self.name = model.name
        self.backend = backend
        self.max_batch = checks.int_in(max_batch, "max_batch", 1)
        deploy = deployable.deployable_model(model)
        self._fn = tf.function(
            lambda x: deploy(x, training=False),
            input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)],
            autograph=False,
        )
        if backend == "litert":
            self._flatbuffer = litert.tflite_bytes(model)
            self._interpreters: dict = {}
            size = 1
            with (
                quiet.quiet_stderr()
            ):  # "INFO: Created TensorFlow Lite XNNPACK delegate for CPU."
                while True:  # one interpreter per batch size 1, 2, 4, ... >= max_batch
                    interp = litert.interpreter_class()(
                        model_content=self._flatbuffer, num_threads=1
                    )
                    index = interp.get_input_details()[0]["index"]
                    interp.resize_tensor_input(index, [size, 28, 28])
                    interp.allocate_tensors()
                    interp.set_tensor(index, np.zeros((size, 28, 28), np.float32))
                    interp.invoke()  # the first call logs the line above
                    self._interpreters[size] = (
                        interp,
                        index,
                        interp.get_output_details()[0]["index"],
                    )
                    if size >= self.max_batch:
                        break
                    size *= 2
            probe = np.linspace(0, 255, 2 * 784, dtype=np.float32).reshape(2, 28, 28)
            gap = np.abs(self._litert(probe) - self._fn(probe).numpy()).max()
            if not gap <= 1e-4:  # never seen; guards a converter bug (NaN) all the same
                raise RuntimeError(
                    f"the LiteRT model differs from the Keras model by {gap}"
                )
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "cnnlib-model")
        self._queue: Optional[asyncio.Queue] = None
        self._worker: Optional[asyncio.Task] = None
        self.calls = 0  # model calls made (each one batch)
        self.probabilities(
            np.zeros((1, 28, 28), np.float32)
        )  # compile now, not per request

    def _litert(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        size = 1 << (n - 1).bit_length()  # 1, 2, 4, ...
        interp, index, out = self._interpreters[size]
        if size != n:
            x = np.concatenate([x, np.zeros((size - n, 28, 28), np.float32)])
        interp.set_tensor(index, x)
        interp.invoke()
        return interp.get_tensor(out)[:n]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Probabilities ``(N, 10)`` of float32 digits ``(N, 28, 28)`` (already
        checked).

        Call it from one thread at a time (the service calls it from its one worker).
        """
        self.calls += 1
        if self.backend == "tensorflow":
            return self._fn(tf.constant(x, tf.float32)).numpy()
        x = np.ascontiguousarray(x, np.float32)
        step = self.max_batch
        parts = [self._litert(x[i : i + step]) for i in range(0, len(x), step)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._executor.shutdown(wait=False)

    async def __call__(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of ``x`` ``(k, 28, 28)``, computed in a batch with whatever
        else waits."""
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((x, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0][0])
            while size < self.max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
                size += len(jobs[-1][0])
            jobs = [(x, f) for x, f in jobs if not f.done()]  # callers gone: skip
            if not jobs:
                continue
            batch = (
                jobs[0][0] if len(jobs) == 1 else np.concatenate([x for x, _ in jobs])
            )
            try:
                probs = await loop.run_in_executor(
                    self._executor, self.probabilities, batch
                )
            except Exception as err:  # noqa: BLE001  (handed to every waiting request)
                for _, f in jobs:
                    if not f.done():
                        f.set_exception(err)
                continue
            start = 0
            for x, f in jobs:
                if not f.done():
                    f.set_result(probs[start : start + len(x)])
                start += len(x)
