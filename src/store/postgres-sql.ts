// The statements of the PostgreSQL store, for one schema. $n parameters only; the schema name is
// checked to be an identifier before it gets here. Every TTL is computed with the server's clock.

/** Rows that are still alive (no expiry, or one still ahead). */
const live = (s: string) => `(expires_at IS NULL OR expires_at > ${s}.now_ms())`;

/** An expiry from a TTL parameter (NULL: none). */
const expiry = (s: string, param: string) =>
  `CASE WHEN ${param}::bigint IS NULL THEN NULL ELSE ${s}.now_ms() + ${param}::bigint END`;

export function kvSql(s: string) {
  return {
    get: `SELECT value, version, CASE WHEN expires_at IS NULL THEN NULL ELSE expires_at - ${s}.now_ms() END AS ttl
      FROM ${s}.kv WHERE key = $1 AND ${live(s)}`,
    upsert: `INSERT INTO ${s}.kv (key, value, version, expires_at) VALUES ($1, $2, $3, ${expiry(s, '$4')})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at`,
    // An expired row counts as absent: it is replaced in the same statement.
    insertIfAbsent: `INSERT INTO ${s}.kv AS kv (key, value, version, expires_at) VALUES ($1, $2, $3, ${expiry(s, '$4')})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at
      WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ${s}.now_ms() RETURNING 1`,
    replaceVersion: `UPDATE ${s}.kv SET value = $2, version = $3, expires_at = ${expiry(s, '$4')}
      WHERE key = $1 AND version = $5 AND ${live(s)} RETURNING 1`,
    take: `DELETE FROM ${s}.kv WHERE key = $1 AND ${live(s)} RETURNING value`,
    delete: `DELETE FROM ${s}.kv WHERE key = $1 RETURNING ${live(s)} AS live`,
    // A missing or expired counter starts at `by` with the TTL; a live one keeps its expiry.
    // float8 arithmetic is JavaScript's, and its text form is the shortest that reads back exactly.
    increment: `INSERT INTO ${s}.kv AS kv (key, value, version, expires_at) VALUES ($1, $2::text, $3, ${expiry(s, '$4')})
      ON CONFLICT (key) DO UPDATE SET
        value = CASE
          WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= ${s}.now_ms() THEN excluded.value
          WHEN jsonb_typeof(kv.value::jsonb) = 'number' THEN ((kv.value::float8) + ($2::text::float8))::text
          ELSE ${s}.not_a_number($1) END,
        version = excluded.version,
        expires_at = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= ${s}.now_ms() THEN excluded.expires_at ELSE kv.expires_at END
      RETURNING value`,
    addMember: `INSERT INTO ${s}.index_members (name, member) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    removeMember: `DELETE FROM ${s}.index_members WHERE name = $1 AND member = $2`,
    members: `SELECT member FROM ${s}.index_members WHERE name = $1 ORDER BY member COLLATE "C"`,
    sweep: `DELETE FROM ${s}.kv WHERE expires_at IS NOT NULL AND expires_at <= ${s}.now_ms()`,
  };
}

export function eventSql(s: string) {
  return {
    lockStream: `SELECT pg_advisory_xact_lock(hashtextextended('latch-events:' || $1, 0))`,
    append: `INSERT INTO ${s}.events (stream, time, data, fields)
      SELECT $1, GREATEST(${s}.now_ms(), COALESCE(max(time), 0)), $2, $3::jsonb FROM ${s}.events WHERE stream = $1
      RETURNING seq, time`,
    trim: `DELETE FROM ${s}.events WHERE stream = $1 AND time < $2 RETURNING 1`,
  };
}
