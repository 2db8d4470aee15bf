"""The book's networks and what a trained one does.

    build_model("small" | "large")   article 000's / 001's network in Keras
    LowLevelCNN(arch)                the same with tf.Variable and tf.nn ops
    logits / probabilities           running a model on raw digits (N, 28, 28) 0..255
    accuracy, confusion_matrix       how well it reads them
    feature_maps, conv_filters       looking inside it (chapter 9)
    background_mask(digit)           where a conv + pool value sees no ink
    load_model(path)                 a .keras file, loaded safely
    saved_facts(path), write_facts   what a .keras file says of its training
                                     (cnnlib.json inside it)
    keras_card(path), card_lines     what a model is, one fact a line (--about;
                                     read without TensorFlow)
    predict_image / predict_files    pictures -> Prediction (digit, probability)
    architecture(model)              its layers described, for a figure

Modules: :mod:`.architectures`, :mod:`.inputs` and :mod:`.layout` (no TensorFlow),
:mod:`.networks`, :mod:`.inference`, :mod:`.evaluate`, :mod:`.inside`, :mod:`.files`,
:mod:`.predict`, :mod:`.cli` (``cnnlib predict``).
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "architectures": [
            "ARCHS",
            "DTYPES",
            "INITS",
            "SPECS",
            "ArchSpec",
            "check_arch",
        ],
        "inputs": ["as_digit_batch"],
        "layout": ["LayerBox", "architecture"],
        "networks": ["LowLevelCNN", "build_model", "float32_copy", "layer_table"],
        "inference": ["accuracy", "logits", "predict_labels", "probabilities"],
        "evaluate": ["N_CLASSES", "confusion_matrix", "most_confused"],
        "inside": [
            "MAP_LAYERS",
            "background_mask",
            "channel_scores",
            "check_layer",
            "conv_filters",
            "conv_layer_names",
            "feature_maps",
            "map_layer_names",
            "top_activating",
        ],
        "files": [
            "CARD_MEMBER",
            "FACT_NAMES",
            "KERAS_FACTS",
            "NO_FACTS",
            "UNSAFE",
            "ModelLoadError",
            "UnsafeModelError",
            "calibration_text",
            "card_lines",
            "keras_archive",
            "keras_card",
            "load_model",
            "saved_facts",
            "write_facts",
        ],
        "predict": ["Prediction", "predict_digits", "predict_files", "predict_image"],
    },
)
