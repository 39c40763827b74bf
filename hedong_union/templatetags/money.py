"""Amounts on screen: one format everywhere, 12,345.00 (docs/decisions.md, Money on screen).

Decimal arithmetic only: a float would turn 0.1 into 0.1000000000000000055511151231257827.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")
EMPTY = "—"


def format_yuan(value):
    """`value` (Decimal, int or a decimal string) as 12,345.00; None or "" as —."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, float):
        value = repr(value)  # the digits as written, never the binary expansion
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{abs(amount) if amount == 0 else amount:,.2f}"  # never "-0.00"


@register.filter(is_safe=True)
def yuan(value):
    return format_yuan(value)
