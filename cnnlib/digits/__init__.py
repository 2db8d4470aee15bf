"""Any picture of a digit made into an MNIST digit, the way MNIST was made (chapter 8).

    prepare_digit(picture)    grayscale, ink bright, crop, fit 20x20, centre by mass
                              -> DigitSteps (every step kept; .digit is (28, 28) uint8)
    read_image(source)        a file, bytes, a PIL image or an array, checked
    render_like_paper(digit)  the other way: an MNIST digit drawn as a photo of paper

Bad pictures raise an :class:`ImageError` (a ``ValueError``) naming the picture.
Modules: :mod:`.prepare` (the steps), :mod:`.pictures` (reading and rendering).
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "prepare": [
            "BOX",
            "CENTER",
            "NOISE",
            "DigitSteps",
            "background_level",
            "bounding_box",
            "center_in_field",
            "center_of_mass",
            "fit_into_box",
            "ink_image",
            "prepare_digit",
            "to_grayscale",
        ],
        "pictures": [
            "FIELD",
            "MAX_BYTES",
            "MAX_PIXELS",
            "MIN_SIDE",
            "EmptyImageError",
            "ImageError",
            "ImageSizeError",
            "ImageTooLargeError",
            "NotAnImageError",
            "Source",
            "UnreadableImageError",
            "describe",
            "read_image",
            "render_like_paper",
            "to_png_bytes",
        ],
    },
)
