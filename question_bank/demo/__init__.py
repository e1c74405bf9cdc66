"""Demo question bank: per-area item files (``items/<AREA>.json``) and their schematic images.

``images_core`` and ``images_clinical`` each expose ``DRAWERS``: media ref -> function
returning PNG bytes.
"""
