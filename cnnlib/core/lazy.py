"""Package APIs that load their modules on first use (Scientific Python's SPEC 1).

A package ``__init__`` lists its public names by the module that defines them::

    __getattr__, __dir__, __all__ = public_api(__name__, {
        "loop": ["train", "TrainResult"],
        "recipes": ["Recipe", "RECIPES"],
    })

``cnnlib.training.train`` then imports ``cnnlib.training.loop`` the first time
it is read. So ``import cnnlib.training.recipes`` (plain data, used by the
command line before it parses its flags) does not load TensorFlow, and each
name still has one home: the module that defines it.
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping, Sequence


def public_api(
    package: str, names: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package`` exporting
    ``{module: names}``.

    Raises:
        ValueError: a name is listed under two modules.
    """
    home: dict[str, str] = {}
    for module, listed in names.items():
        for name in listed:
            if name in home:
                raise ValueError(
                    f"{package}: {name!r} is listed under both "
                    f"{home[name]!r} and {module!r}"
                )
            home[name] = module
    public = sorted(home)

    def __getattr__(name: str) -> object:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home[name]}"), name)
        globals_of(package)[name] = value  # later reads skip __getattr__
        return value

    def __dir__() -> list[str]:
        return public

    return __getattr__, __dir__, public


def globals_of(package: str) -> dict:
    """The namespace of the (already imported) module ``package``."""
    return vars(importlib.import_module(package))
