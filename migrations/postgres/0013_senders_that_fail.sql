-- A sender that cannot work holds its runs instead of failing every message: the connector
-- records since when it is failing (its reason is the health detail), and each sequence it
-- held, with its campaign, is paused with a reason no person gave. A person's resume, or a
-- passing connection test, clears it.
alter table connectors add column failing_since text;
alter table email_sequences add column paused_reason text check (paused_reason in ('sender_failing'));
alter table campaigns add column paused_reason text check (paused_reason in ('sender_failing'));
create index email_sequences_sender on email_sequences (sender_connector_id, status);
