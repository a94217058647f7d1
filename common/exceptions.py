"""Turn every expected failure into a JSON error a person can act on, never a 500."""

import logging

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the object."
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def _rename_all(data):
    if isinstance(data, dict) and "__all__" in data:
        data = dict(data)
        data.setdefault(api_settings.NON_FIELD_ERRORS_KEY, [])
        data[api_settings.NON_FIELD_ERRORS_KEY] += list(data.pop("__all__"))
    return data


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Raised by Django when the body is read; left alone it becomes an HTML 400 page.
        exc = RequestTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError("The request has too many fields or files.")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_rename_all(as_serializer_error(exc)))
    elif isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = exceptions.ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    "This object is still referenced and cannot be deleted."
                ]
            }
        )
    elif isinstance(exc, IntegrityError):
        # A concurrent request won a race that validation could not see: report a conflict.
        logger.warning("Integrity error in %s: %s", context.get("view"), exc)
        exc = Conflict("The change conflicts with another change made at the same time. Try again.")

    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _rename_all(response.data)
        return response
    return None
