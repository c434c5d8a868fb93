-- Seed data for local Supabase stacks (`supabase db reset`). Tora needs none: users, their
-- personal workspaces and sample experiments are created through the API on first use.
select 1;
