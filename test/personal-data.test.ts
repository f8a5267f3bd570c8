/** Purging a debtor's personal data on a real, migrated database: nothing personal left, the ledger whole. */
import assert from 'node:assert/strict';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'pg';
import { createPersonalDataRepository, PersonalDataError, type PersonalDataRepository } from '../src/adapters/personal-data.repository';
import { assertLedgerBalances, createTestDatabase } from './helpers/database';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;
let personalData: PersonalDataRepository;

before(async () => {
  db = await createTestDatabase();
  pool = db.pool;
  personalData = createPersonalDataRepository(pool);
});
after(async () => {
  await db?.drop();
});

interface Person {
  name: string;
  email: string;
  phone: string;
  street: string;
}
let accounts = 0;

function person(): Person {
  accounts += 1;
  return { name: `Dana Whitfield-${accounts}`, email: `dana.whitfield.${accounts}@example.test`, phone: `+1555010${String(1000 + accounts)}`, street: `${accounts} Elm Street, Albany NY 12207` };
}

/** The gate's inputs as the workflow records them (a ContactRequest), naming the debtor's addresses. */
function gateInputs(p: Person, channel: string, recipient: string, optOuts: { channel: string; address: string }[] = []) {
  return {
    now: '2026-10-01T14:00:00Z',
    channel,
    recipient,
    purpose: 'collection',
    timezones: ['America/New_York'],
    state: 'NY',
    city: 'Albany',
    consents: [
      { channel: 'email', address: p.email, consented: true },
      { channel: 'sms', address: p.phone, consented: true },
    ],
    optOuts,
    flags: { ceaseCommunication: false, refusedToPay: false, attorneyRepresented: false, deceased: true, bankruptcy: false },
    dispute: 'none',
    history: [],
  };
}

/** An account with a balanced ledger (charge 120.00, payment 20.00) and every kind of personal record. */
async function seedAccount(p: Person): Promise<string> {
  const key = `account/cred-purge/P-${accounts}`;
  // Through the ledger's own postings, so the seed obeys every ledger rule (debts, balance, idempotency).
  const ledger = createLedgerRepository(pool);
  await ledger.openAccount({ accountKey: key, creditorId: 'cred-purge', accountId: `P-${accounts}`, currency: 'USD', openingBalanceMinor: 120_00, dueDate: '2026-09-01' });
  await ledger.postPayment({ accountKey: key, paymentId: `PAY-1-${accounts}`, amountMinor: 20_00, currency: 'USD', receivedAt: '2026-09-01T00:00:00Z' });

  const message = (step: string, channel: string, recipient: string, subject: string | null, body: string) =>
    pool.query(
      `INSERT INTO outbound_messages (idempotency_key, account_key, channel, step_id, recipient, subject, body, status, provider_message_id, attempts, sent_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'sent', $8, 1, '2026-10-01T14:00:05Z')`,
      [`${key}/step/${step}`, key, channel, step, recipient, subject, body, `provider-${step}`],
    );
  await message('notice-email', 'email', p.email, `${p.name}, about your account`, `Dear ${p.name}, your balance is $100.00. Questions? We will call ${p.phone}.`);
  await message('reminder-sms', 'sms', p.phone, null, `${p.name}: a reminder about your account. Reply STOP to opt out.`);
  await message('letter', 'letter', `${p.name}, ${p.street}`, 'Notice of debt', `${p.name}\n${p.street}\n\nYour balance is $100.00.`);

  await pool.query(`INSERT INTO call_tasks (idempotency_key, account_key, phone, script, voicemail) VALUES ($1, $2, $3, $4, $5)`, [
    `${key}/call`,
    key,
    p.phone,
    `Call ${p.name} at ${p.phone}.`,
    `This is a message for ${p.name}. Please call Collections back at 555-0100.`,
  ]);

  await pool.query(`INSERT INTO documents (idempotency_key, account_key, kind, content_type, content) VALUES ($1, $2, 'letter', 'application/pdf', $3)`, [
    `${key}/letter.pdf`,
    key,
    Buffer.from(`%PDF-1.4\nBT (${p.name}) Tj (${p.street}) Tj ET\n%%EOF\n`),
  ]);
  await pool.query(`INSERT INTO documents (idempotency_key, account_key, kind, content_type, content) VALUES ($1, $2, 'placement_contacts_csv', 'text/csv', $3)`, [
    `${key}/contacts.csv`,
    key,
    Buffer.from(`at,channel,recipient\r\n2026-10-01,email,${p.email}\r\n2026-10-02,sms,${p.phone}\r\n`),
  ]);

  // A question written on the debtor's page, in their own words, answered by a person who noted the call.
  await pool.query(
    `INSERT INTO debtor_questions (question_id, account_key, creditor_id, language, text, status, answered_at, answered_by, answer_note)
     VALUES ($1, $2, 'cred-purge', 'en', $3, 'answered', '2026-10-03T10:00:00Z', 'billing system (API key k1)', $4)`,
    [`q-${key}`, key, `Can you call me at ${p.phone} after 6pm?`, `called ${p.name} back`],
  );

  const decision = (n: number, channel: string, decision: string, rule: string, reason: string | null, inputs: object, deferredUntil: string | null = null) =>
    pool.query(
      `INSERT INTO contact_decisions (idempotency_key, account_key, step_id, channel, decision, rule, reason, deferred_until, inputs, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [`${key}/decision/${n}`, key, `step-${n}`, channel, decision, rule, reason, deferredUntil, JSON.stringify(inputs), `2026-10-0${n}T14:00:00Z`],
    );
  await decision(1, 'email', 'allow', 'allowed', null, gateInputs(p, 'email', p.email));
  await decision(2, 'email', 'suppress', 'reg_f_1006_6_e_opt_out', `${p.email} opted out of email`, gateInputs(p, 'email', p.email, [{ channel: 'email', address: p.email }]));
  await decision(3, 'sms', 'suppress', 'tcpa_consent', `no recorded consent to texts at ${p.phone}`, { ...gateInputs(p, 'sms', ` ${p.phone} `), consents: [] });
  await decision(4, 'call', 'defer', 'reg_f_1006_6_b_1_i_time_of_day', 'outside 08:00-21:00 local time in America/New_York', gateInputs(p, 'call', p.phone), '2026-10-04T12:00:00Z');

  // A call a person placed, who the debtor is (for their other accounts), and a fact of theirs.
  await pool.query(
    `INSERT INTO call_attempts (account_key, attempt_id, creditor_id, task_id, phone, operator, decision, rule, asked_at, outcome, outcome_at, note)
     VALUES ($1, 'call-1', 'cred-purge', NULL, $2, 'ana', 'allow', 'allowed', '2026-10-05T14:00:00Z', 'conversation', '2026-10-05T14:05:00Z', $3)`,
    [key, p.phone, `spoke with ${p.name}`],
  );
  await pool.query(`INSERT INTO debtor_links (account_key, creditor_id, email, phone) VALUES ($1, 'cred-purge', $2, $3)`, [key, p.email, p.phone]);
  await pool.query(`INSERT INTO debtor_facts (account_key, kind, channel, address, at) VALUES ($1, 'opt_out', 'email', $2, '2026-10-02T14:00:00Z')`, [key, p.email]);
  // What credit reporting keeps of the account: who and where the consumer is.
  const consumer = { name: p.name, address: { line1: p.street, city: 'Albany', region: 'NY', postalCode: '12207', country: 'US' }, phone: p.phone };
  await pool.query(`INSERT INTO account_reporting (account_key, creditor_id, account_id, facts) VALUES ($1, 'cred-purge', $2, $3)`, [key, key.split('/')[2], JSON.stringify({ accountKey: key, stage: 'closed', consumer })]);
  return key;
}

/** Every text, JSON and byte column of every table keyed by account, searched for each personal string. */
async function personalHits(accountKey: string, p: Person): Promise<string[]> {
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
      WHERE c.table_schema = 'public' AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
        AND EXISTS (SELECT 1 FROM information_schema.columns k WHERE k.table_schema = 'public' AND k.table_name = c.table_name AND k.column_name = 'account_key')
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const tables = new Set(columns.map((c) => c.table_name));
  for (const expected of ['outbound_messages', 'call_tasks', 'documents', 'contact_decisions', 'ledger_transactions', 'ledger_entries', 'debtor_accounts', 'personal_data_purges'])
    assert.ok(tables.has(expected), `the search misses ${expected}`);
  const hits: string[] = [];
  for (const { table_name: table, column_name: column, data_type: type } of columns) {
    for (const [label, needle] of Object.entries(p)) {
      const matches = type === 'bytea' ? `position(convert_to($2, 'UTF8') in "${column}") > 0` : `strpos(lower("${column}"::text), lower($2)) > 0`;
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE account_key = $1 AND ${matches}`, [accountKey, needle]);
      if (rows[0]!.n > 0) hits.push(`${table}.${column}:${label}`);
    }
  }
  return hits.sort();
}

async function ledgerSnapshot() {
  const transactions = await pool.query('SELECT * FROM ledger_transactions ORDER BY id');
  const entries = await pool.query('SELECT * FROM ledger_entries ORDER BY id');
  const sums = await pool.query(
    `SELECT account_key, ledger_account, SUM(debit_minor)::text AS debits, SUM(credit_minor)::text AS credits, count(*)::int AS n
       FROM ledger_entries GROUP BY account_key, ledger_account ORDER BY account_key, ledger_account`,
  );
  const accountsRows = await pool.query('SELECT * FROM debtor_accounts ORDER BY account_key');
  return { transactions: transactions.rows, entries: entries.rows, sums: sums.rows, accounts: accountsRows.rows };
}

async function personalTablesSnapshot() {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of ['outbound_messages', 'call_tasks', 'documents', 'contact_decisions', 'personal_data_purges'])
    snapshot[table] = (await pool.query(`SELECT * FROM ${table} ORDER BY account_key, ${table === 'personal_data_purges' ? 'account_key' : 'idempotency_key'}`)).rows;
  return snapshot;
}

describe('purgeAccount', () => {
  it('leaves no email, phone, name or address anywhere, keeps every row as a record, and leaves the ledger as it was', async () => {
    const p = person();
    const key = await seedAccount(p);
    const bystander = person();
    const bystanderKey = await seedAccount(bystander);

    // The search finds what was seeded, so its empty answer after the purge means something.
    assert.deepEqual(await personalHits(key, p), [
      'account_reporting.facts:name',
      'account_reporting.facts:phone',
      'account_reporting.facts:street',
      'call_attempts.note:name',
      'call_attempts.phone:phone',
      'call_tasks.phone:phone',
      'call_tasks.script:name',
      'call_tasks.script:phone',
      'call_tasks.voicemail:name',
      'contact_decisions.inputs:email',
      'contact_decisions.inputs:phone',
      'contact_decisions.reason:email',
      'contact_decisions.reason:phone',
      'debtor_facts.address:email',
      'debtor_links.email:email',
      'debtor_links.phone:phone',
      'debtor_questions.answer_note:name',
      'debtor_questions.text:phone',
      'documents.content:email',
      'documents.content:name',
      'documents.content:phone',
      'documents.content:street',
      'outbound_messages.body:name',
      'outbound_messages.body:phone',
      'outbound_messages.body:street',
      'outbound_messages.recipient:email',
      'outbound_messages.recipient:name',
      'outbound_messages.recipient:phone',
      'outbound_messages.recipient:street',
      'outbound_messages.subject:name',
    ]);
    const ledgerBefore = await ledgerSnapshot();
    const decisionsBefore = (await pool.query('SELECT * FROM contact_decisions WHERE account_key = $1 ORDER BY idempotency_key', [key])).rows;

    const result = await personalData.purgeAccount({ accountKey: key, reason: 'debtor deceased; retention period over' });
    assert.deepEqual(result, { status: 'purged', rowsRedacted: 3 + 1 + 1 + 1 + 1 + 2 + 4 + 1 + 1, dataKeysDestroyed: 0, dataKeysRetired: 0, lettersErased: 0 });

    assert.deepEqual(await personalHits(key, p), []);
    assert.deepEqual(await ledgerSnapshot(), ledgerBefore);
    await assertLedgerBalances(pool);

    const messages = await pool.query(
      `SELECT step_id, channel, recipient, subject, body, status, provider_message_id, sent_at, redacted_at IS NOT NULL AS redacted FROM outbound_messages WHERE account_key = $1 ORDER BY step_id`,
      [key],
    );
    const sentAt = new Date('2026-10-01T14:00:05Z');
    assert.deepEqual(messages.rows, [
      { step_id: 'letter', channel: 'letter', recipient: '[redacted]', subject: '[redacted]', body: '[redacted]', status: 'sent', provider_message_id: 'provider-letter', sent_at: sentAt, redacted: true },
      { step_id: 'notice-email', channel: 'email', recipient: '[redacted]', subject: '[redacted]', body: '[redacted]', status: 'sent', provider_message_id: 'provider-notice-email', sent_at: sentAt, redacted: true },
      { step_id: 'reminder-sms', channel: 'sms', recipient: '[redacted]', subject: null, body: '[redacted]', status: 'sent', provider_message_id: 'provider-reminder-sms', sent_at: sentAt, redacted: true },
    ]);
    const reporting = await pool.query(`SELECT facts->'consumer' AS consumer, facts->>'stage' AS stage, redacted_at IS NOT NULL AS redacted FROM account_reporting WHERE account_key = $1`, [key]);
    assert.deepEqual(reporting.rows, [{ consumer: null, stage: 'closed', redacted: true }]);
    const questions = await pool.query(`SELECT text, status, answered_by, answer_note FROM debtor_questions WHERE account_key = $1`, [key]);
    assert.deepEqual(questions.rows, [{ text: '[redacted]', status: 'answered', answered_by: 'billing system (API key k1)', answer_note: '[redacted]' }]);
    const calls = await pool.query(`SELECT phone, script, voicemail, status, redacted_at IS NOT NULL AS redacted FROM call_tasks WHERE account_key = $1`, [key]);
    assert.deepEqual(calls.rows, [{ phone: '[redacted]', script: '[redacted]', voicemail: '[redacted]', status: 'open', redacted: true }]);
    const documents = await pool.query(
      `SELECT kind, content_type, octet_length(content) AS bytes, redacted_at IS NOT NULL AS redacted FROM documents WHERE account_key = $1 ORDER BY idempotency_key`,
      [key],
    );
    assert.deepEqual(documents.rows, [
      { kind: 'placement_contacts_csv', content_type: 'text/csv', bytes: 0, redacted: true },
      { kind: 'letter', content_type: 'application/pdf', bytes: 0, redacted: true },
    ]);

    // Decisions keep everything but the addresses: inputs shrink to the channel, reasons lose the addresses they quote.
    const decisionsAfter = (await pool.query('SELECT * FROM contact_decisions WHERE account_key = $1 ORDER BY idempotency_key', [key])).rows;
    assert.deepEqual(
      decisionsAfter.map((row) => [row.inputs, row.reason, row.redacted_at instanceof Date]),
      [
        [{ redacted: true, channel: 'email' }, null, true],
        [{ redacted: true, channel: 'email' }, '[redacted] opted out of email', true],
        [{ redacted: true, channel: 'sms' }, 'no recorded consent to texts at [redacted]', true],
        [{ redacted: true, channel: 'call' }, 'outside 08:00-21:00 local time in America/New_York', true],
      ],
    );
    const withoutRedacted = (rows: Record<string, unknown>[]) => rows.map(({ inputs: _i, reason: _r, redacted_at: _a, ...rest }) => rest);
    assert.deepEqual(withoutRedacted(decisionsAfter), withoutRedacted(decisionsBefore));

    // Another debtor's data is not touched.
    assert.equal((await personalHits(bystanderKey, bystander)).length, 30);
    const bystanderRedacted = await pool.query(
      `SELECT (SELECT count(*) FROM outbound_messages WHERE account_key = $1 AND redacted_at IS NOT NULL)
            + (SELECT count(*) FROM call_tasks WHERE account_key = $1 AND redacted_at IS NOT NULL)
            + (SELECT count(*) FROM documents WHERE account_key = $1 AND redacted_at IS NOT NULL)
            + (SELECT count(*) FROM contact_decisions WHERE account_key = $1 AND redacted_at IS NOT NULL) AS n`,
      [bystanderKey],
    );
    assert.equal(Number(bystanderRedacted.rows[0].n), 0);

    const record = await personalData.purgeRecord(key);
    assert.equal(record?.reason, 'debtor deceased; retention period over');
    assert.equal(record?.rowsRedacted, 15);
    assert.equal(await personalData.purgeRecord(bystanderKey), null);
  });

  it('purges once: a second call reports already_purged and changes nothing', async () => {
    const p = person();
    const key = await seedAccount(p);
    assert.deepEqual(await personalData.purgeAccount({ accountKey: key, reason: 'erasure request' }), { status: 'purged', rowsRedacted: 15, dataKeysDestroyed: 0, dataKeysRetired: 0, lettersErased: 0 });
    const before = await personalTablesSnapshot();
    const ledgerBefore = await ledgerSnapshot();
    assert.deepEqual(await personalData.purgeAccount({ accountKey: key, reason: 'erasure request, again' }), { status: 'already_purged', rowsRedacted: 15, dataKeysDestroyed: 0, dataKeysRetired: 0, lettersErased: 0 });
    assert.deepEqual(await personalTablesSnapshot(), before);
    assert.deepEqual(await ledgerSnapshot(), ledgerBefore);
    const purges = await pool.query('SELECT reason, rows_redacted FROM personal_data_purges WHERE account_key = $1', [key]);
    assert.deepEqual(purges.rows, [{ reason: 'erasure request', rows_redacted: 15 }]);
  });

  it('purges once when two purges of one account race', async () => {
    const key = await seedAccount(person());
    const results = await Promise.all([1, 2].map(() => personalData.purgeAccount({ accountKey: key, reason: 'debtor deceased' })));
    assert.deepEqual(results.map((r) => r.status).sort(), ['already_purged', 'purged']);
    assert.deepEqual(results.map((r) => r.rowsRedacted), [15, 15]);
  });

  it('refuses an unknown account and a purge without a reason, recording nothing', async () => {
    await assert.rejects(personalData.purgeAccount({ accountKey: 'account/cred-purge/none', reason: 'deceased' }), (error: unknown) => {
      assert.ok(error instanceof PersonalDataError);
      assert.equal(error.code, 'unknown_account');
      assert.equal(error.message, 'no account account/cred-purge/none to purge');
      return true;
    });
    const key = await seedAccount(person());
    await assert.rejects(personalData.purgeAccount({ accountKey: key, reason: '  ' }), /a purge needs a reason/);
    assert.equal(await personalData.purgeRecord(key), null);
  });
});

describe('contact_decisions stays append-only except for its redaction', () => {
  const redactionSql = (extra = '') =>
    `UPDATE contact_decisions
        SET inputs = jsonb_build_object('redacted', true, 'channel', channel), reason = contact_decision_redacted_reason(reason, inputs), redacted_at = now()${extra}
      WHERE idempotency_key = $1`;

  it('refuses a plain update, a delete, and any update that is not exactly a redaction', async () => {
    const p = person();
    const key = await seedAccount(p);
    const row = `${key}/decision/2`;
    const refused = (sql: string) => assert.rejects(pool.query(sql, [row]), /contact_decisions is append-only/, sql);
    await refused(`UPDATE contact_decisions SET rule = 'allowed' WHERE idempotency_key = $1`);
    await refused(`UPDATE contact_decisions SET inputs = '{}' WHERE idempotency_key = $1`);
    await refused(`DELETE FROM contact_decisions WHERE idempotency_key = $1`);
    await refused(redactionSql(`, decision = 'allow'`));
    await refused(redactionSql(`, decided_at = decided_at + interval '1 second'`));
    await refused(`UPDATE contact_decisions SET inputs = jsonb_build_object('redacted', true, 'channel', channel), reason = contact_decision_redacted_reason(reason, inputs) WHERE idempotency_key = $1`);
    await refused(`UPDATE contact_decisions SET inputs = '{"redacted": true}', reason = contact_decision_redacted_reason(reason, inputs), redacted_at = now() WHERE idempotency_key = $1`);
    await refused(`UPDATE contact_decisions SET inputs = '{"redacted": true, "channel": "sms"}', reason = contact_decision_redacted_reason(reason, inputs), redacted_at = now() WHERE idempotency_key = $1`);
    // The reason must lose the addresses, and nothing else may be written into it.
    await refused(`UPDATE contact_decisions SET inputs = jsonb_build_object('redacted', true, 'channel', channel), redacted_at = now() WHERE idempotency_key = $1`);
    await refused(`UPDATE contact_decisions SET inputs = jsonb_build_object('redacted', true, 'channel', channel), reason = 'anything', redacted_at = now() WHERE idempotency_key = $1`);
    const unchanged = await pool.query('SELECT inputs, reason, redacted_at FROM contact_decisions WHERE idempotency_key = $1', [row]);
    assert.deepEqual(unchanged.rows, [{ inputs: gateInputs(p, 'email', p.email, [{ channel: 'email', address: p.email }]), reason: `${p.email} opted out of email`, redacted_at: null }]);
  });

  it('accepts the redaction once, then refuses to change or delete the redacted row', async () => {
    const key = await seedAccount(person());
    const row = `${key}/decision/2`;
    const redacted = await pool.query(redactionSql(), [row]);
    assert.equal(redacted.rowCount, 1);
    const after = await pool.query('SELECT inputs, reason FROM contact_decisions WHERE idempotency_key = $1', [row]);
    assert.deepEqual(after.rows, [{ inputs: { redacted: true, channel: 'email' }, reason: '[redacted] opted out of email' }]);
    await assert.rejects(pool.query(redactionSql(), [row]), /contact_decisions is append-only/);
    await assert.rejects(pool.query(`UPDATE contact_decisions SET redacted_at = NULL WHERE idempotency_key = $1`, [row]), /contact_decisions is append-only/);
    await assert.rejects(pool.query(`DELETE FROM contact_decisions WHERE idempotency_key = $1`, [row]), /contact_decisions is append-only/);
    // The repository's purge skips the row already redacted and redacts the rest.
    assert.deepEqual(await personalData.purgeAccount({ accountKey: key, reason: 'deceased' }), { status: 'purged', rowsRedacted: 14, dataKeysDestroyed: 0, dataKeysRetired: 0, lettersErased: 0 });
  });

  it('keeps the purge record and the ledger append-only', async () => {
    const key = await seedAccount(person());
    await personalData.purgeAccount({ accountKey: key, reason: 'deceased' });
    await assert.rejects(pool.query(`UPDATE personal_data_purges SET rows_redacted = 0 WHERE account_key = $1`, [key]), /personal_data_purges is append-only/);
    await assert.rejects(pool.query(`DELETE FROM personal_data_purges WHERE account_key = $1`, [key]), /personal_data_purges is append-only/);
    await assert.rejects(pool.query(`DELETE FROM ledger_entries WHERE account_key = $1`, [key]), /ledger_entries is append-only/);
  });
});
