"""Deploying a trained network: one float32 model, exported for every runtime
(chapter 10).

    deployable_model(model)          float32, raw digits (N, 28, 28) in, probabilities
                                     out
    export_for_serving(model, base)  SavedModel in TF Serving's layout BASE/VERSION/
    export_tflite(model, path)       LiteRT float32, or int8 with representative_digits
    LiteRTModel(path)                run a .tflite file
    write_web_weights(outdir)        the small network's weights for the web page
    write_web_digits(outdir)         the sample's digits for the page's training panel
    write_archive(write, path)       a Keras export without its "Saved artifact" banner
    model_card(trained)              what an export says it is (labels, input, output,
                                     training, versions; an int8 file's calibration:
                                     calibration_facts); read_card(path) reads it

Modules: :mod:`.deployable`, :mod:`.saved_model`, :mod:`.litert`,
:mod:`.calibration` (no TensorFlow), :mod:`.web`, :mod:`.cli` (``cnnlib export``,
``cnnlib web-weights``).
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "deployable": [
            "CARD_FILE",
            "INPUT_NAME",
            "LABELS",
            "LABELS_FILE",
            "OUTPUT_NAME",
            "TRAINING_KEYS",
            "ExportError",
            "calibration_facts",
            "card_path",
            "card_text",
            "check_logits_model",
            "deployable_model",
            "fresh_target",
            "labels_text",
            "model_card",
            "read_card",
            "write_archive",
        ],
        "saved_model": [
            "CLIENT_SCRIPT",
            "SIGNATURE",
            "call_in_subprocess",
            "describe_signature",
            "export_for_serving",
            "export_saved_model",
            "load_signature",
            "serving_function",
        ],
        "litert": [
            "LiteRTModel",
            "export_tflite",
            "interpreter_class",
            "tflite_bytes",
        ],
        "calibration": ["REPRESENTATIVE_COUNT", "representative_digits"],
        "web": [
            "DIGITS_FILENAME",
            "DIGITS_FORMAT",
            "FILENAME",
            "FORMAT",
            "LAYERS",
            "SHAPES",
            "digits_document",
            "load_web_digits",
            "load_web_weights",
            "weights_document",
            "write_web_digits",
            "write_web_weights",
        ],
    },
)
