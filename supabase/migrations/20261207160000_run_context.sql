-- What a run says about itself besides its numbers: markdown notes people write, the context its
-- SDK captures at start-up (git state, command, machine, packages, allowed environment variables)
-- and the console lines it prints. Each lives in a table of its own, keyed by the run, so the
-- experiments rows a list reads stay narrow: notes may be 100,000 characters, a diff 1 MB, a
-- console 100 MB.

create table experiment_notes (
  experiment_id uuid primary key references experiments (id) on delete cascade,
  body text not null,
  updated_at timestamptz not null default now(),
  updated_by uuid references profiles (id) on delete set null,
  constraint experiment_notes_body_length check (char_length(body) between 1 and 100000)
);
comment on table experiment_notes is
  'Markdown notes of a run, written by people (absent when empty); rendered sanitised by the site.';
alter table experiment_notes enable row level security;

create table experiment_context (
  experiment_id uuid primary key references experiments (id) on delete cascade,
  -- The small part: git commit/branch/remote/dirty, command, cwd, runtime, os, host, cpus, memory,
  -- gpus. The query language and the runs table read it (git.commit, host, ...).
  summary jsonb not null,
  -- The large parts, read only by the experiment page.
  git_diff text,
  git_diff_truncated boolean not null default false,
  packages jsonb not null default '{}'::jsonb,
  env jsonb not null default '{}'::jsonb,
  captured_at timestamptz not null default now(),
  constraint experiment_context_summary_object check (jsonb_typeof(summary) = 'object'),
  constraint experiment_context_packages_object check (jsonb_typeof(packages) = 'object'),
  constraint experiment_context_env_object check (jsonb_typeof(env) = 'object'),
  constraint experiment_context_diff_size check (octet_length(git_diff) <= 1048576)
);
comment on table experiment_context is
  'What the SDK captured when the run started (git, command, machine, packages, allowed env vars); sent once, replaced whole.';
alter table experiment_context enable row level security;

create table console_lines (
  experiment_id uuid not null references experiments (id) on delete cascade,
  -- The SDK numbers a run's lines from 1 in the order they were printed; a resend of the same
  -- number is the same line (kept once), and readers page by it.
  seq bigint not null,
  time timestamptz not null,
  stream smallint not null,
  text text not null,
  primary key (experiment_id, seq),
  constraint console_lines_seq_positive check (seq > 0),
  constraint console_lines_stream check (stream in (1, 2))
);
comment on table console_lines is
  'Lines a run printed, numbered by its SDK (seq from 1); stream 1 is stdout, 2 stderr.';
comment on column console_lines.stream is '1: stdout, 2: stderr.';
alter table console_lines enable row level security;

-- "Jump to a time": the first line printed at or after it.
create index console_lines_time_idx on console_lines (experiment_id, time);

alter table experiments add column console_bytes bigint not null default 0;
comment on column experiments.console_bytes is
  'Bytes of console text stored for the run, counted by the console ingest against the per-run cap.';
