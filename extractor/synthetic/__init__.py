"""Deterministic, seeded generator of labelled synthetic annual reports (the ``evals/synthetic`` set).

values.make_values draws a consistent set of canonical values; variants names the quirks real
reports show; tables/prose/layout turn values and quirks into a format-independent model.Document;
render (with html_page and word) writes it as text_tabs, text_cells, markdown, html or docx; build
plans the set, writes each document with its gold label, and checks a committed set is current.
"""
from .build import build_set, check_set, make_document, plan_set
from .render import EXTENSIONS, render
from .values import make_values
from .variants import FORMATS, QUIRKS, Variant

__all__ = [
    "EXTENSIONS", "FORMATS", "QUIRKS", "Variant",
    "build_set", "check_set", "make_document", "make_values", "plan_set", "render",
]
