from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import lockout_response
from accounts.models import Organization, User
from accounts.two_factor import needs_second_factor, token_matches
from irexam.errors import ApplicationError


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
    """Exchange a username and password for an API token (header ``Authorization: Token <key>``).

    Wrong passwords count towards the login lockout (django-axes). When officers need a second
    factor (``OFFICER_2FA_REQUIRED``), an officer must also send ``otp``: a code from their
    authenticator app or a backup code.
    """

    throttle_scope = "login"

    class InputSerializer(AuthTokenSerializer):
        username = serializers.CharField(max_length=150, write_only=True)
        password = serializers.CharField(max_length=4096, write_only=True, trim_whitespace=False)
        otp = serializers.CharField(required=False, allow_blank=True, max_length=32, write_only=True)

    serializer_class = InputSerializer

    @extend_schema(request=InputSerializer, responses=inline_serializer("Token", {"token": serializers.CharField()}))
    def post(self, request: Request, *args, **kwargs) -> Response:
        if getattr(request._request, "axes_locked_out", False) or getattr(request, "axes_locked_out", False):
            return lockout_response(request._request)
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request._request)
            raise
        user = serializer.validated_data["user"]
        if needs_second_factor(user) and not token_matches(user=user, token=serializer.validated_data.get("otp", "")):
            raise ApplicationError(
                _("Officers must add a code from their authenticator app (otp)."),
                code="second_factor_required",
                status=403,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
