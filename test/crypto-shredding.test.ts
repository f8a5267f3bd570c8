/**
 * The deceased-debtor purge reaches every copy the product keeps, under time skipping on real
 * infrastructure: an account runs (validation notice letter, email, SMS), then the purge. Before it,
 * the debtor's name, email, phone and street are found in Postgres, in the letters folder and in
 * the decoded Temporal history (so the searches can fail); after it, in none of them: every column
 * of every table, every file of the letters folder (PDFs read as text), and every payload of the
 * workflow's history, which decodes only to placeholders once the account's data keys are destroyed.
 * Another account's data stays as it was.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createFolderLetterGateway } from '../src/adapters/letters';
import { createPersonalDataRepository } from '../src/adapters/personal-data.repository';
import { enrollAccount } from '../src/client/accounts.client';
import { DataKeyDestroyedError } from '../src/crypto/payload-codec';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { findInEveryTable } from './helpers/database';
import { makeAccount, settings, standardCadence } from './helpers/fixtures';
import { decodedHistoryJson } from './helpers/histories';
import { readPdf } from './helpers/pdf-text';
import { startTimeSkippingStack, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
before(async () => {
  stack = await startTimeSkippingStack();
});
after(async () => {
  await stack?.close();
});

const debtor = (n: number) => ({
  name: `Marguerite Oyelaran-Quist ${n}`,
  email: `m.oyelaran.quist.${n}@example.test`,
  phone: `+1518555${String(7000 + n)}`,
  street: `${4410 + n} Juniper Hollow Road`,
});
type Debtor = ReturnType<typeof debtor>;
const accountOf = (p: Debtor): AccountProfile =>
  makeAccount({ debtorName: p.name, email: p.email, phone: p.phone, address: { line1: p.street, city: 'Albany', region: 'NY', postalCode: '12207', country: 'US' } });

/** Each file of the letters folder whose text (PDFs as a viewer reads them) holds one of the strings: `file:label`. */
async function findInLetters(dir: string, p: Debtor): Promise<string[]> {
  const hits: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const bytes = readFileSync(join(dir, file));
    const text = file.endsWith('.pdf') ? (await readPdf(bytes)).text + bytes.toString('latin1') : bytes.toString('utf8');
    for (const [label, needle] of Object.entries(p)) if (text.toLowerCase().includes(needle.toLowerCase())) hits.push(`${file}:${label}`);
  }
  return hits;
}

const found = (text: string, p: Debtor) => Object.entries(p).filter(([, needle]) => text.toLowerCase().includes(needle.toLowerCase())).map(([label]) => label);

describe('purging a deceased debtor', () => {
  it('leaves the name, email, phone and address in no table, no letter file and no readable Temporal payload', { timeout: 120_000 }, async () => {
    const p = debtor(1);
    const other = debtor(2);
    const target = accountOf(p);
    const bystander = accountOf(other);
    const key = accountKey(target.creditorId, target.accountId);
    const bystanderKey = accountKey(bystander.creditorId, bystander.accountId);

    await stack.run(async () => {
      for (const account of [target, bystander]) await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('5 days'); // the validation notice (a letter), the first email, the SMS reminder
      // The account's run ends here (stack.run terminates what is open), so what follows is the purge alone.
    });
    const handle = stack.client.workflow.getHandle(key);

    // Before: everywhere, so that "nowhere" afterwards means something.
    const tablesBefore = await findInEveryTable(stack.pool, p);
    for (const expected of ['outbound_messages.recipient:email', 'outbound_messages.recipient:phone', 'outbound_messages.recipient:name', 'outbound_messages.body:name', 'contact_decisions.inputs:email'])
      assert.ok(tablesBefore.includes(expected), `before the purge the search finds ${expected} (found ${tablesBefore.join(', ')})`);
    const lettersBefore = await findInLetters(stack.lettersDir, p);
    for (const label of ['name', 'street']) assert.ok(lettersBefore.some((hit) => hit.endsWith(`:${label}`)), `the letters folder holds the ${label} (${lettersBefore.join(', ')})`);
    const raw = historyToJSON(await handle.fetchHistory());
    assert.deepEqual(found(raw, p), [], 'the raw history shows nothing of the debtor, before any purge');
    const decodedBefore = found(decodedText(await decodedHistoryJson(handle, stack.encryption.readerCodec)), p);
    for (const label of ['name', 'email', 'phone', 'street']) assert.ok(decodedBefore.includes(label), `the decoded history holds the ${label} before the purge (${decodedBefore.join(', ')})`);

    const purge = createPersonalDataRepository(stack.pool, { letters: createFolderLetterGateway(stack.lettersDir), dataKeys: stack.encryption.keys });
    const result = await purge.purgeAccount({ accountKey: key, reason: 'debtor deceased; retention period over' });
    assert.equal(result.status, 'purged');
    assert.ok(result.dataKeysDestroyed >= 1, 'the account\'s data keys were destroyed');
    assert.ok(result.lettersErased >= 1, 'the validation notice was erased from the letters folder');

    // After: nowhere.
    assert.deepEqual(await findInEveryTable(stack.pool, p), []);
    assert.deepEqual(await findInLetters(stack.lettersDir, p), []);
    const decoded = await decodedHistoryJson(handle, stack.encryption.readerCodec);
    assert.deepEqual(found(decodedText(decoded), p), [], 'a payload of the history still decodes to the debtor');
    assert.match(decodedText(decoded), /\[personal data destroyed: the data key of account\/cred-test\/[^ ]+ was destroyed at /);
    // Workers and clients are told why, rather than handed a placeholder in place of the account.
    await assert.rejects(decodedHistoryJson(handle, stack.encryption.codec), DataKeyDestroyedError);

    // The bystander is untouched: still in the tables, its letter still in the folder, its history readable.
    const bystanderHits = await findInEveryTable(stack.pool, other);
    assert.ok(bystanderHits.includes('outbound_messages.recipient:email'), bystanderHits.join(', '));
    assert.ok((await findInLetters(stack.lettersDir, other)).some((hit) => hit.endsWith(':name')));
    const bystanderHistory = await decodedHistoryJson(stack.client.workflow.getHandle(bystanderKey), stack.encryption.codec);
    assert.ok(found(decodedText(bystanderHistory), other).includes('name'));
  });

  it('from inside a running workflow: retire first (the run stays readable), destroy in the next run', async () => {
    const p = debtor(3);
    const target = accountOf(p);
    const key = accountKey(target.creditorId, target.accountId);
    await stack.run(async () => {
      await enrollAccount(stack.client, { account: target, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 hour');
    });
    const handle = stack.client.workflow.getHandle(key);
    const purge = createPersonalDataRepository(stack.pool, { dataKeys: stack.encryption.keys });
    const retired = await purge.purgeAccount({ accountKey: key, reason: 'debtor deceased', dataKeys: 'retire' });
    assert.deepEqual([retired.dataKeysRetired > 0, retired.dataKeysDestroyed], [true, 0]);
    // The run's history still decodes (a replay or a query of this run works) …
    assert.ok(found(decodedText(await decodedHistoryJson(handle, stack.encryption.codec)), p).includes('name'));
    // … and its next payloads get a new key, which the destruction of the retired ones leaves alone.
    const [fresh] = await stack.encryption.codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"next run"') }], { type: 'workflow', namespace: 'default', workflowId: key });
    assert.deepEqual(await purge.destroyRetiredDataKeys(key), { dataKeysDestroyed: retired.dataKeysRetired });
    await assert.rejects(decodedHistoryJson(handle, stack.encryption.codec), DataKeyDestroyedError);
    assert.equal(Buffer.from((await stack.encryption.codec.decode([fresh!]))[0]!.data!).toString(), '"next run"');
  });
});

/** A decoded history as text, each base64 string (payload data) read as UTF-8. */
function decodedText(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'string' && v.length > 8 && /^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, 'base64').toString('utf8') : v));
}
