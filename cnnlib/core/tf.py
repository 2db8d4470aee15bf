"""TensorFlow and Keras, imported once and quietly.

Every cnnlib module that computes with TensorFlow writes::

    from cnnlib.core.tf import keras, tf

and nothing else imports TensorFlow, so it loads only where it is used (the
NumPy parts of cnnlib and every command line's ``--help`` never wait for it).

TensorFlow's C++ runtime writes start-up lines (oneDNN notices,
``cudart_stub``, ``cuInit``) straight to file descriptor 2 before Python
logging exists; they differ between machines and cannot be silenced with
``TF_CPP_MIN_LOG_LEVEL`` alone. While TensorFlow loads and runs its first op,
fd 2 points at ``/dev/null``, so a notebook prints the same on every machine.
"""

from __future__ import annotations

import os

from . import quiet


def _import_quietly():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet.quiet_stderr():
        try:
            import tensorflow
        except ModuleNotFoundError as err:
            if err.name != "tensorflow":
                raise
            raise ImportError(
                f"cnnlib needs TensorFlow >= {quiet.MIN_TENSORFLOW}, and TensorFlow "
                "is not installed. Install it with: "
                f"pip install 'tensorflow>={quiet.MIN_TENSORFLOW}'"
            ) from None
        quiet.check_tensorflow_version(tensorflow.__version__)
        (
            tensorflow.constant(0.0) + 1.0
        )  # the first op initialises the devices (more noise)
        tensorflow.get_logger().setLevel("ERROR")
        import keras as keras_module
    return tensorflow, keras_module


tf, keras = _import_quietly()
