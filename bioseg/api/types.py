"""Input types every API schema shares, bounded so that no value reaches a database it cannot be stored in."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bioseg.common.scoping import MAX_ID

#: A record's id as a client sends it (a filter, a body field): 1 … 2⁶³−1, the primary keys both engines store.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
#: Any other whole number a client sends: within the 64-bit range both engines store (the services bound it further).
Whole = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]
#: A calendar year a client filters by.
Year = Annotated[int, Field(ge=1900, le=2200)]
