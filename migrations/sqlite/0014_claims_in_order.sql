-- A worker claims the oldest due messages in (scheduled_for, message_id) order. With the
-- key in the index the claim reads its batch and stops; without it, every due row was read
-- and sorted on each claim, so a large run got slower with every batch.
drop index sequence_messages_due;
create index sequence_messages_due on sequence_messages (status, scheduled_for, message_id);
