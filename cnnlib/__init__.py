"""cnnlib: the small library behind the book *CNNs in TensorFlow*.

One package per concept the book teaches, in the order the chapters meet them;
each package's ``__init__`` is its public API::

    cnnlib.data       load_mnist(): full MNIST or the offline 5,000-digit sample
    cnnlib.ops        convolution and pooling written out in NumPy (chapters 2-4)
    cnnlib.models     the two articles' networks; logits, probabilities, accuracy;
                      feature maps and filters; loading .keras files; predicting
    cnnlib.training   train(): the loop, recipes, input pipeline, precision,
                      checkpoints, progress, the cached reference network
    cnnlib.digits     any picture made into an MNIST digit (chapter 8)
    cnnlib.deploy     the float32 deployable model, SavedModel / TF Serving,
                      LiteRT, the web page's weights
    cnnlib.serve      the HTTP prediction service
    cnnlib.results    the stored records of long runs (full MNIST)
    cnnlib.figures    every matplotlib figure, animation and ipywidgets explorer
    cnnlib.core       argument checks, CnnlibError, atomic writes, quiet TensorFlow
    cnnlib.cli        the ``cnnlib`` command (``python -m cnnlib``)

Layers run one way: ``core`` at the bottom; ``data``, ``ops``, ``digits`` and
``results`` need only NumPy (and Pillow); ``models``, ``training``, ``deploy``
and ``serve`` compute with TensorFlow and never import matplotlib; ``figures``
sits on top. TensorFlow is imported, quietly, only by the modules that use it
(``from cnnlib.core.tf import keras, tf``), so ``import cnnlib.ops`` and every
command line's ``--help`` answer at once.
"""

from .core.version import package_version as _package_version

__version__ = _package_version()
