"""The database as a queue: enqueue job rows, claim them with a lease, run periodic schedules.

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` so N workers never take the same row; SQLite has
a single writer (``BEGIN IMMEDIATE``), which serialises claims by itself.
"""

from herald.queue.jobs import (
    ClaimedJob,
    PermanentJobError,
    claim_jobs,
    complete_job,
    enqueue,
    fail_job,
    purge_finished,
)
from herald.queue.schedules import claim_due_schedules, ensure_schedule, finish_schedule

__all__ = [
    "ClaimedJob",
    "PermanentJobError",
    "claim_due_schedules",
    "claim_jobs",
    "complete_job",
    "enqueue",
    "ensure_schedule",
    "fail_job",
    "finish_schedule",
    "purge_finished",
]
