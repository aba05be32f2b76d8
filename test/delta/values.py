"""Values as `subsnap show --json` spells them: 64-bit integers and decimals as strings, dates as
YYYY-MM-DD, maps as objects."""

import datetime
import decimal


def plain(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list):
        return {k: plain(v) for k, v in value}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, int):
        return str(value)
    return value
