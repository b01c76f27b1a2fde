"""speech2tei: Chinese speeches and official documents to TEI P5 XML and JSON.

The public API: read an input into the model, write it out.

    >>> from speech2tei import convert_bytes, to_json_bytes
    >>> conv = convert_bytes("同志们：\\n一、总体要求\\n二、重点任务\\n".encode(), "talk.txt")
    >>> [s.head for s in iter_sections(conv.documents[0].body)]
    ['总体要求', '重点任务']

The public names are loaded on first use (PEP 562 module ``__getattr__``): importing the
package, or ``speech2tei.cli`` for ``--help``/``--version``, must not pay for the pipeline,
lxml, jsonschema or YAML. ``from speech2tei import convert_bytes`` works as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC: dict[str, str] = {
    "GrammarError": "errors", "InputError": "errors", "OutputError": "errors",
    "Speech2TeiError": "errors", "ValidationError": "errors",
    "load_grammar": "grammar",
    "conversion_from_dict": "jsonio", "conversion_to_dict": "jsonio", "read_json": "jsonio",
    "to_json_bytes": "jsonio",
    "Conversion": "model", "Diagnostic": "model", "Document": "model", "FrontItem": "model",
    "Metadata": "model", "Paragraph": "model", "Removal": "model", "Section": "model",
    "SourceInfo": "model", "document_text": "model", "iter_sections": "model",
    "outline_dict": "outline", "outline_json": "outline", "outline_text": "outline",
    "Options": "pipeline", "convert_bytes": "pipeline", "convert_path": "pipeline",
}
"""Each public name and the submodule that defines it."""

__all__ = [
    "Conversion", "Diagnostic", "Document", "FrontItem", "GrammarError", "InputError", "Metadata",
    "Options", "OutputError", "Paragraph", "Removal", "Section", "SourceInfo", "Speech2TeiError",
    "ValidationError", "__version__", "conversion_from_dict", "conversion_to_dict", "convert_bytes",
    "convert_path", "document_text", "iter_sections", "load_grammar", "outline_dict",
    "outline_json", "outline_text", "read_json", "to_json_bytes",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first access and cache the value here."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


if TYPE_CHECKING:  # static checkers and IDEs see the eager imports
    from .errors import GrammarError, InputError, OutputError, Speech2TeiError, ValidationError
    from .grammar import load_grammar
    from .jsonio import conversion_from_dict, conversion_to_dict, read_json, to_json_bytes
    from .model import (
        Conversion,
        Diagnostic,
        Document,
        FrontItem,
        Metadata,
        Paragraph,
        Removal,
        Section,
        SourceInfo,
        document_text,
        iter_sections,
    )
    from .outline import outline_dict, outline_json, outline_text
    from .pipeline import Options, convert_bytes, convert_path
