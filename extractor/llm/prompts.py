"""Prompt templates: loaded from ``resource_dir("prompts")``, rendered in a Jinja sandbox, versioned.

Each ``NAME.md.j2`` has a ``system`` and a ``user`` block. Document text enters only as a variable
(``text``, inside a fence longer than any backtick run in it), so whatever the report contains —
``{{ 7*7 }}``, ``{% … %}``, "ignore previous instructions" — is data: Jinja never parses a
variable's value, and the rendered messages go to instructor without ``context=`` so nothing
renders them a second time. A template's version is the sha256 of its source.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from ..resources import resource_dir

SUFFIX = ".md.j2"
BLOCKS = ("system", "user")
_BACKTICKS = re.compile(r"`+")


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str  # sha256 of the template source, first 16 hex digits
    messages: list[dict[str, str]]


class PromptLibrary:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or resource_dir("prompts")
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(str(self.folder)),
            undefined=StrictUndefined,  # a misspelt variable is an error, not an empty string
            autoescape=False,  # the output is a chat message, not HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def version(self, name: str) -> str:
        source = (self.folder / f"{name}{SUFFIX}").read_bytes()
        return hashlib.sha256(source).hexdigest()[:16]

    def render(self, name: str, text: str, **variables: Any) -> Prompt:
        """Messages for template ``name`` with the document region ``text`` fenced as data."""
        template = self._env.get_template(f"{name}{SUFFIX}")
        context = template.new_context({**variables, "text": text, "fence": fence_for(text)})
        messages = []
        for role in BLOCKS:
            if role not in template.blocks:
                raise ValueError(f"prompt {name} has no {{% block {role} %}}")
            content = "".join(template.blocks[role](context)).strip()
            messages.append({"role": role, "content": content})
        return Prompt(name, self.version(name), messages)


def fence_for(text: str) -> str:
    """A Markdown fence the text cannot close: longer than its longest run of backticks."""
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(text)), default=0)
    return "`" * max(3, longest + 1)
