"""System tools outside Python that some work needs, how to find each, and which Debian package has it.

    LIBREOFFICE  converts .doc/.wps/.rtf/.odt (ingest), makes the PDF and office labelled sets
    CHROMIUM     screenshots of report.html and the review UI, the browser tests
    CJK_FONTS    Chinese glyphs when LibreOffice or Chromium render pages (the PDF sets, screenshots)

Everything else the extractor needs is a Python package (pyproject.toml). A tool is looked up on
``PATH`` (never at a fixed location), so hiding it from ``PATH`` is how to try a machine without it.
``python -m extractor.tools`` prints the Debian packages of the missing tools, one a line: the
Makefile installs those (``make system-packages``) when it can.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from enum import StrEnum


class Tool(StrEnum):
    LIBREOFFICE = "libreoffice"
    CHROMIUM = "chromium"
    CJK_FONTS = "cjk-fonts"


@dataclass(frozen=True)
class ToolInfo:
    label: str  # for people: "LibreOffice"
    executables: tuple[str, ...]  # looked up on PATH, in this order; empty for fonts
    debian_package: str
    used_for: str


TOOLS: dict[Tool, ToolInfo] = {
    Tool.LIBREOFFICE: ToolInfo("LibreOffice", ("soffice", "libreoffice"), "libreoffice-writer-nogui",
                               ".doc/.wps/.rtf/.odt documents and the generated PDF and office sets"),
    Tool.CHROMIUM: ToolInfo("Chromium", ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"),
                            "chromium", "screenshots and the browser tests of the review UI and eval report"),
    Tool.CJK_FONTS: ToolInfo("CJK fonts", (), "fonts-noto-cjk", "Chinese text in rendered pages"),
}
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def find(tool: Tool) -> str | None:
    """The executable of ``tool`` on PATH (for fonts: a CJK font file), or None when it is absent."""
    info = TOOLS[tool]
    if tool is Tool.CJK_FONTS:
        return _cjk_font()
    for name in info.executables:
        found = shutil.which(name)
        if found:
            return found
    return None


def available(tool: Tool) -> bool:
    return find(tool) is not None


def missing(tools: tuple[Tool, ...] | list[Tool] | frozenset[Tool] = tuple(Tool)) -> list[Tool]:
    return [t for t in Tool if t in tools and not available(t)]


def absence(tool: Tool) -> str:
    """One line saying what is absent and how to get it."""
    info = TOOLS[tool]
    where = f"none of {', '.join(info.executables)} is on PATH" if info.executables else "no CJK font is installed"
    return (f"{info.label} is not installed ({where}), needed for {info.used_for}: "
            f"apt-get install {info.debian_package} (`make test` does it when run as root or with sudo)")


def _cjk_font() -> str | None:
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=60).stdout
        first = next((line.split(":")[0] for line in out.splitlines() if line.strip()), None)
        if first:
            return first
    for folder in FONT_DIRS:
        hits = glob.glob(os.path.join(os.path.expanduser(folder), "**", "*CJK*"), recursive=True)
        if hits:
            return sorted(hits)[0]
    return None


def main(argv: list[str] | None = None) -> int:
    """Print the Debian package of every missing tool, one a line (nothing when all are present)."""
    for tool in missing():
        print(TOOLS[tool].debian_package)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
