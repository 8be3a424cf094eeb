"""Story stage: copy groups (the same source text republished) and stories (one event), night by night.

Entry points: ``assign_night`` (one night's clean articles + stored state -> rows to write: fragments,
then the story pass over them), ``resolve_members`` (members' fragment ids -> live story ids),
``apply_night``/``prune_state`` (replay nights in memory the way the warehouse would), ``state_sql``
(how the asset loads the state).
"""

from wiretrace.stories.copies import CopyRule
from wiretrace.stories.pipeline import (
    Bodies,
    NightResult,
    StoryParams,
    StoryState,
    apply_night,
    assign_night,
    prune_state,
    resolve_members,
    stable_id,
)
from wiretrace.stories.state import BODIES_SQL, STATE_SQL, TABLES
from wiretrace.stories.vectors import TermWeights

__all__ = [
    "BODIES_SQL", "Bodies", "CopyRule", "NightResult", "STATE_SQL", "StoryParams", "StoryState", "TABLES", "TermWeights",
    "apply_night", "assign_night", "prune_state", "resolve_members", "stable_id",
]
