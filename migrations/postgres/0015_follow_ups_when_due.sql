-- A run's follow-ups are queued when the step before them is sent, not all at approval: an
-- approval writes one ledger row per recipient instead of one per recipient and step, and a
-- follow-up that can never go out (its enrollment ended, its step before failed) is never
-- written. What approval fixes for each later step is kept here: when it falls due (approval
-- time plus its day offset, moved into the send window) and the end of its Message-ID
-- (`.<step>@<sender's domain>`). A run approved before this table existed has no rows here
-- and keeps the follow-up rows it was given at approval.
create table sequence_follow_ups (
    sequence_id text not null references email_sequences (id),
    step_index bigint not null,
    scheduled_for text not null,
    message_id_suffix text not null,
    primary key (sequence_id, step_index)
);
