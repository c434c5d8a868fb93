import { sql } from 'kysely';

/** A JSON value as a jsonb parameter, sent as text (postgres.js would store a bare string as a JSON string). */
export const jsonb = (value: unknown) => sql<unknown>`${JSON.stringify(value)}::text::jsonb`;
