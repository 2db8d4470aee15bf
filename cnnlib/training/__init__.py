"""Training the book's networks (chapters 6 and 7).

    train(arch, recipe, epochs, batch_size, lr, data, out=...)  -> TrainResult
    ARTICLE, IMPROVED, FAST, RECIPES, get_recipe            the recipes, as data
    build_network, build_fast_model                         a recipe's network
    learning_rate_schedule, make_optimizer, make_loss       a recipe's Keras objects
    split_validation, make_training_dataset, random_affine  the input pipeline
    pick_precision, pick_strategy                           where and how it computes
    CheckpointManager, save_atomic                          resumable, never
                                                            half-written
    cached_train, reference_network                         train once, reuse after

Modules: :mod:`.recipes` (no TensorFlow), :mod:`.optimization`, :mod:`.pipeline`,
:mod:`.hardware`, :mod:`.checkpoints`, :mod:`.progress`, :mod:`.loop`,
:mod:`.reference`, :mod:`.fastnet`, :mod:`.errors`, :mod:`.cli` (``cnnlib train``).
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "errors": ["RESUME_FLAGS", "ResumeError", "TrainError"],
        "recipes": [
            "ARCHS",
            "ARTICLE",
            "FAST",
            "IMPROVED",
            "PRECISIONS",
            "PRECISION_ENV",
            "RECIPES",
            "Augmentation",
            "Recipe",
            "get_recipe",
        ],
        "optimization": [
            "COMPILE_OPTIONS",
            "compile_model",
            "learning_rate_schedule",
            "make_loss",
            "make_optimizer",
        ],
        "pipeline": [
            "augment_batch",
            "check_digits_and_labels",
            "check_validation_split",
            "epoch_order",
            "make_eval_dataset",
            "make_training_dataset",
            "random_affine",
            "split_validation",
            "validation_indices",
        ],
        "hardware": [
            "bfloat16_runs",
            "cpu_supports_bfloat16",
            "describe_setup",
            "pick_precision",
            "pick_strategy",
        ],
        "checkpoints": [
            "CheckpointManager",
            "Checkpointer",
            "check_writable",
            "checkpoint_dir",
            "random_states",
            "restore_random_states",
            "save_atomic",
        ],
        "progress": [
            "EpochLog",
            "EpochLogger",
            "EpochPrinter",
            "ProgressBar",
            "epoch_line",
        ],
        "loop": ["TrainResult", "build_network", "check_log_dir", "train"],
        "fastnet": ["build_fast_model"],
        "reference": [
            "REFERENCE_SETTINGS",
            "cache_folder",
            "cached_train",
            "normalized_settings",
            "reference_network",
            "run_key",
        ],
    },
)
