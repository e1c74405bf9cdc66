"""Permission-matrix rules, one module per app or feature; every module here is loaded.

Each module defines ``RULES`` (URL name → {method: allowed roles, optional "kwargs", "data",
"note"}) and optionally ``KWARGS`` (URL parameter name → callable(world)) and
``extend_world(world)``. The format: /work/helpers/matrix-format.md.
"""
