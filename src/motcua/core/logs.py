"""Personal numbers never reach a log line whole.

A 12-digit personal identification number (DOMAIN.md §3.4) is personal data (Decree
13/2023/NĐ-CP; Law on Personal Data Protection 2025): a log is read by operators who have no
purpose for it, kept longer than the dossier needs, and copied to other systems. Request paths
and queries carry numbers (``?subject=…`` of the e-result store, tracking forms, registry calls),
and so can an exception's text. ``PersonalNumberFilter`` rewrites every record that passes a
handler: ``001084000101`` becomes ``001******101`` (the birth province and last digits, enough
to tell two lines apart, not enough to use the number). ``install`` puts it on every handler of
the root and uvicorn loggers, in the app and in the worker.
"""

import logging
from typing import Any

from motcua.core.masking import mask_numbers

__all__ = ["PersonalNumberFilter", "install", "mask_numbers"]

LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "motcua")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_numbers(value)
    if isinstance(value, int) and not isinstance(value, bool) and 10**11 <= abs(value) < 10**12:
        return mask_numbers(str(value))
    return value


class PersonalNumberFilter(logging.Filter):
    """Masks personal numbers in the message, its arguments and the exception text; keeps the
    arguments' shape, since uvicorn's access formatter unpacks them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_numbers(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: _masked(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked(v) for v in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_numbers(record.stack_info)
        return True


_FILTER = PersonalNumberFilter()


def install() -> None:
    """The filter on every handler of the root, uvicorn and motcua loggers, and on every record
    made afterwards anywhere in the process (a logger's own filter would miss its children's
    records, and a handler added later would miss the filter). Idempotent."""
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_personal_numbers", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _FILTER.filter(record)
        return record

    masked_record.masks_personal_numbers = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
