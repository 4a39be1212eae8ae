"""SUMO's plain XML (nodes, edges, connections, types, routes): one element per line, as netconvert reads it."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr


def xml_element(tag: str, attrs: dict[str, Any]) -> str:
    """One self-closing XML element with quoted attributes (None values left out; shapes as x,y pairs)."""

    def text(key: str, value: Any) -> str:
        if key == "shape":
            value = " ".join(f"{x:.4f},{y:.4f}" for x, y in value)
        return f"{key}={quoteattr(str(value))}"

    return f"  <{tag} " + " ".join(text(k, v) for k, v in attrs.items() if v is not None) + "/>\n"
