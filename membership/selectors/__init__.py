"""Reads of the membership app, always scoped by the user (SPEC §1)."""

from membership.selectors.organisations import (  # noqa: F401
    community_get,
    community_list,
    department_list,
    federation_get,
    federation_list,
    history_of,
    street_get,
    street_list,
    union_get,
    union_list,
)
