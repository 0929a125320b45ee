"""The map's colours by reach, and the WCAG 2.x contrast ratio they were chosen by.

Three classes only: WCAG 1.4.11 asks 3:1 between neighbouring colours of a graphic, and on a
white page three fills (white, mid, dark) are as many as can keep 3:1 pairwise.
"""

from __future__ import annotations

from dataclasses import dataclass

BACKGROUND = "#ffffff"
TEXT = "#1a1a1a"
BORDER = "#4d4d4d"  # the municipalities' outlines
FOCUS = "#ffdd00"  # a focused municipality: yellow with a black outline


@dataclass(frozen=True)
class ReachClass:
    key: str  # css class suffix and label key
    fill: str
    least: int  # academies that reached the municipality, at least


CLASSES = (
    ReachClass("none", "#ffffff", 0),
    ReachClass("one", "#4a90d0", 1),
    ReachClass("many", "#08254f", 2),
)


def reach_class(academies: int) -> ReachClass:
    return [c for c in CLASSES if academies >= c.least][-1]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
