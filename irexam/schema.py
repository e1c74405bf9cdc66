"""OpenAPI schema generation tweaks."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    """Name nested serializers after the view that owns them.

    Views here follow the one-view-per-operation style with nested
    ``InputSerializer``/``OutputSerializer`` classes; by default each would be a
    component called "Input" or "Output". ``MeApi.OutputSerializer`` becomes
    ``MeOutput`` instead.
    """

    def get_serializer_name(self, serializer, direction):
        cls = serializer.__class__
        parts = cls.__qualname__.split(".")
        if len(parts) >= 2:
            owner = parts[-2]
            for suffix in ("Api", "View", "ViewSet"):
                if owner.endswith(suffix):
                    owner = owner[: -len(suffix)]
                    break
            inner = parts[-1].removesuffix("Serializer")
            return f"{owner}{inner}"
        return super().get_serializer_name(serializer, direction)
