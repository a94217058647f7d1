"""Logging filters, named from ``LOGGING`` in ``config/settings.py``."""

import logging
import re

TOKEN_PARAMETER = re.compile(r"([?&;]token=)[^&;\s\"']*", re.IGNORECASE)
REDACTED = "[redacted]"


class RedactTokenFilter(logging.Filter):
    """Blank the value of every ``token=`` query parameter in a record's message.

    Calendar feed URLs carry a personal key (``?token=``) because Google Calendar and Outlook
    cannot send credentials; the access log and request warnings must not keep it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's problem, not ours
            return True
        redacted = TOKEN_PARAMETER.sub(r"\1" + REDACTED, message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        return True
