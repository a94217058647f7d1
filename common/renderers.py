"""The API's JSON renderer."""

from rest_framework import renderers

from common import validators


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, made encodable when a stored string holds a lone surrogate.

    Input validation keeps such strings out, but rows written before it existed, or by other
    means, may hold one, and UTF-8 cannot encode it: such a response is rendered again with
    every lone surrogate replaced by U+FFFD (``validators.sanitize_output``), so one bad row
    never breaks a list for everybody. Checking at encoding time costs nothing for the
    responses that need no repair, where walking every serialized value did.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            data = validators.sanitize_output(data)
            return super().render(data, accepted_media_type, renderer_context)
