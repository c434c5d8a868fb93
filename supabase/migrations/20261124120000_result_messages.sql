-- Every result entry ever received, keyed by its msg_id, so a retried result is recognised
-- exactly (even after a newer value for the same name arrived) and results keep their history.
-- Results are a handful per run, so a random-UUID key costs nothing here.

create table result_messages (
  experiment_id uuid not null references experiments (id) on delete cascade,
  msg_id uuid not null,
  name text not null,
  value double precision not null,
  logged_at timestamptz not null default now(),
  constraint result_messages_pkey primary key (experiment_id, msg_id)
);
comment on table result_messages is
  'Each result log entry received (history and retry detection); results holds the latest value per name.';

alter table result_messages enable row level security;
