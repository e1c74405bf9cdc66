"""Where a TrueType CJK font lives on this machine (no Django, no reportlab, no matplotlib).

PDF reports (reportlab) and server-side charts (matplotlib) both need a font with Chinese glyphs
whose outlines can be embedded: TrueType outlines (``.ttf`` or a ``.ttc`` collection), not
OpenType/CFF. The setting (``settings.CERTIFICATE_CJK_FONT``) is tried first, then the common system
locations below (on Debian: ``apt-get install fonts-wqy-microhei``).
"""

from __future__ import annotations

from pathlib import Path

#: (path, subfont index) tried in order after the caller's path. All TrueType outlines.
CJK_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),  # Fedora / RHEL
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", 0),  # macOS
    ("/Library/Fonts/Arial Unicode.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),  # Windows
    ("C:/Windows/Fonts/msyh.ttc", 0),
)


def cjk_font_candidates(preferred_path: str | None = None, preferred_index: int = 0) -> list[tuple[str, int]]:
    """The existing candidate font files, the preferred one first."""
    candidates = [(preferred_path, preferred_index)] if preferred_path else []
    candidates.extend(c for c in CJK_FONT_CANDIDATES if c[0] != preferred_path)
    return [(path, index) for path, index in candidates if Path(path).is_file()]
