"""speech2tei: Chinese speeches and official documents to TEI P5 XML and JSON.

The public API: read an input into the model, write it out.

    >>> from speech2tei import convert_bytes, to_json_bytes
    >>> conv = convert_bytes("同志们：\\n一、总体要求\\n二、重点任务\\n".encode(), "talk.txt")
    >>> [s.head for s in iter_sections(conv.documents[0].body)]
    ['总体要求', '重点任务']
"""

from __future__ import annotations

__version__ = "0.1.0"

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

__all__ = [
    "Conversion", "Diagnostic", "Document", "FrontItem", "GrammarError", "InputError", "Metadata",
    "Options", "OutputError", "Paragraph", "Removal", "Section", "SourceInfo", "Speech2TeiError",
    "ValidationError", "__version__", "conversion_from_dict", "conversion_to_dict", "convert_bytes",
    "convert_path", "document_text", "iter_sections", "load_grammar", "outline_dict",
    "outline_json", "outline_text", "read_json", "to_json_bytes",
]
