"""Where the prompts and schemas are: inside the installed package, or at the checkout's top."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``prompts`` or ``schemas``: the wheel carries them under extractor/_resources; an editable
    install or a plain checkout has them beside the package."""
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation")
