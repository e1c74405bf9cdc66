from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization, User


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name_zh", "name_en", "kind", "province"]


class MeApi(APIView):
    """The signed-in user, with their roles."""

    class OutputSerializer(serializers.ModelSerializer):
        roles = serializers.ListField(child=serializers.CharField(), source="ordered_roles")
        organization = OrganizationSerializer(allow_null=True)

        class Meta:
            model = User
            fields = [
                "id",
                "username",
                "display_name_zh",
                "display_name_en",
                "email",
                "province",
                "preferred_language",
                "organization",
                "roles",
            ]

    @extend_schema(responses=OutputSerializer, summary="The signed-in user")
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)


class TokenApi(ObtainAuthToken):
    """Exchange a username and password for an API token (header ``Authorization: Token <key>``)."""

    throttle_scope = "login"
