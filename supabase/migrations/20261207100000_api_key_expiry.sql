-- API keys may expire: a key for a short job or a contractor stops working on its own, without
-- anyone remembering to revoke it. Existing keys keep expires_at null (never expire). The API
-- checks that a new key's expiry lies in the future; there is no check constraint against
-- created_at, so clock skew between a function and the database can never turn a valid request
-- into a constraint violation.

alter table api_keys add column expires_at timestamptz;
comment on column api_keys.expires_at is
  'When set, the key is refused (401) from this moment on; null means it never expires.';
