import type { Pool } from 'pg';

export type DocumentKind = 'letter' | 'placement_packet' | 'placement_ledger_csv' | 'placement_contacts_csv' | 'claim_appeal' | 'location_letter';

/** Letters and packets kept with the account, once per idempotency key. */
export function createDocumentRepository(pool: Pool) {
  return {
    async keep(doc: { idempotencyKey: string; accountKey: string; kind: DocumentKind; contentType: string; content: Buffer }): Promise<void> {
      await pool.query(
        `INSERT INTO documents (idempotency_key, account_key, kind, content_type, content) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
        [doc.idempotencyKey, doc.accountKey, doc.kind, doc.contentType, doc.content],
      );
    },
    async list(accountKey: string): Promise<{ idempotencyKey: string; kind: DocumentKind; contentType: string; bytes: number }[]> {
      const { rows } = await pool.query<{ idempotency_key: string; kind: DocumentKind; content_type: string; bytes: number }>(
        'SELECT idempotency_key, kind, content_type, octet_length(content) AS bytes FROM documents WHERE account_key = $1 ORDER BY created_at, idempotency_key',
        [accountKey],
      );
      return rows.map((r) => ({ idempotencyKey: r.idempotency_key, kind: r.kind, contentType: r.content_type, bytes: r.bytes }));
    },
    async content(idempotencyKey: string): Promise<Buffer | null> {
      const { rows } = await pool.query<{ content: Buffer }>('SELECT content FROM documents WHERE idempotency_key = $1', [idempotencyKey]);
      return rows[0]?.content ?? null;
    },
  };
}
export type DocumentRepository = ReturnType<typeof createDocumentRepository>;
