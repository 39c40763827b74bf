"""Writes of the membership app, one module per kind of record (STYLE habit 1)."""

from membership.services.organisations import (  # noqa: F401
    community_update,
    street_update,
    union_create,
    union_update,
)
from membership.services.dues import (  # noqa: F401
    dues_month_payers,
    dues_record_month,
)
from membership.services.members import (  # noqa: F401
    community_unions_of,
    dues_arrears,
    dues_record,
    employer_union,
    enrollment_submit,
    member_bind_card,
    member_end,
    member_enroll,
    member_numbers_reserve,
    member_transfer,
    route_refusal,
    route_union,
    unit_members_transfer,
)
from membership.services.units import (  # noqa: F401
    founding_step_add,
    progress_note_add,
    unit_create,
    unit_update,
)
from membership.services.workers import (  # noqa: F401
    prepare_worker,
    worker_create,
    worker_find,
    worker_update,
)
