"""Logging filters named by settings.LOGGING."""

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A 4xx answer (a 403, a 404) is the visitor's mistake or a missing right, not a fault in
    the code: django.request logs it as one line, without the traceback of the exception that
    produced it. A 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
