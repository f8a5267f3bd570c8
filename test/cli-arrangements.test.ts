/**
 * The command line's arrangement, return, dispute, history and API key commands, run in-process
 * (runCli) against the time-skipping server and Postgres: human output by default, JSON with
 * --json, the documented exit codes (a refusal by the creditor's rules is bad input, 1, naming
 * the field; an unknown account is 3).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKeyRepository } from '../src/adapters/api-key.repository';
import { enrollAccount } from '../src/client/accounts.client';
import { EXIT, runCli } from '../src/starter';
import { localDateTime } from '../src/domain/contact-policy';
import { addCalendarDays, zonedTimeToUtcMs } from '../src/domain/schedule';
import { makeAccount, settings, standardCadence } from './helpers/fixtures';
import { startTimeSkippingStack, TEST_PAYLOAD_KEYS, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
const saved = { ...process.env };

before(async () => {
  stack = await startTimeSkippingStack();
  Object.assign(process.env, { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: stack.env.namespace ?? 'default', DATABASE_URL: stack.databaseUrl, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS });
  delete process.env.CREDITORS_FILE; // the shipped local directory: cred-metro-power and friends
});
after(async () => {
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DATABASE_URL', 'PAYLOAD_KEYS']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await stack?.close();
});

async function cli(...args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runCli(args, (text) => {
    output += text;
  });
  return { code, output };
}

/** stack.run, then a moment so nothing is in flight when the worker stops (see accounts-api.test.ts). */
const run = (fn: () => Promise<void>) =>
  stack.run(async () => {
    await fn();
    await stack.env.sleep('1 second');
  });

const enrolled = async (overrides = {}) => {
  const account = makeAccount(overrides);
  await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
  return [account.creditorId, account.accountId] as const;
};
/** A date `days` after today in the account's zone (the fixtures' America/New_York): the product counts an
 * arrangement's days from the debtor's local today, so a UTC date would be a day off each evening there. */
const dayOffset = async (days: number) =>
  addCalendarDays(localDateTime(new Date(await stack.env.currentTimeMs()).toISOString(), 'America/New_York').date, days);

describe('command line: arrangements', () => {
  it('extend: a refused extension names the field and exits 1; a granted one prints the new due date', async () => {
    await run(async () => {
      const account = await enrolled();
      const refused = await cli('extend', ...account, '--until', await dayOffset(60), '--reason', 'lost job', '--granted-by', 'ana');
      assert.equal(refused.code, EXIT.usage, refused.output);
      assert.match(refused.output, /^error: extension refused: newDueDate: 60 days is longer than the creditor's limit of 30 days/);
      const refusedJson = await cli('extend', ...account, '--until', await dayOffset(20), '--reason', 'lost job', '--granted-by', 'ana', '--json');
      assert.equal(refusedJson.code, EXIT.usage);
      assert.deepEqual(
        (({ code, field }) => ({ code, field }))(JSON.parse(refusedJson.output).error),
        { code: 'arrangement_refused', field: 'approver' },
      );
      const granted = await cli('extend', ...account, '--until', await dayOffset(10), '--reason', 'lost job', '--granted-by', 'ana');
      assert.equal(granted.code, EXIT.ok, granted.output);
      assert.match(granted.output, new RegExp(`^extension extension-1: due date moved to ${await dayOffset(10)} \\(\\d+ days\\), granted by ana`));
      const missing = await cli('extend', ...account, '--reason', 'x', '--granted-by', 'ana');
      assert.deepEqual([missing.code, missing.output], [EXIT.usage, 'error: extend needs --until\n']);
    });
  });

  it('promise and plan: --json output parses; proposals are printed; a second arrangement is refused', async () => {
    await run(async () => {
      const promised = await enrolled({ balanceMinor: 600_00 });
      const promise = await cli('promise', ...promised, '--amount', '5000', '--date', await dayOffset(5), '--channel', 'phone', '--taken-by', 'ana', '--json');
      assert.equal(promise.code, EXIT.ok, promise.output);
      const record = JSON.parse(promise.output);
      assert.deepEqual([record.id, record.status, record.amountMinor], ['promise-1', 'open', 5000]);
      const again = await cli('promise', ...promised, '--amount', '5000', '--date', await dayOffset(6), '--channel', 'phone', '--taken-by', 'ana');
      assert.equal(again.code, EXIT.usage);
      assert.match(again.output, /active promise/);
      const decimal = await cli('promise', ...promised, '--amount', '50.00', '--date', await dayOffset(6), '--channel', 'phone', '--taken-by', 'ana');
      assert.deepEqual([decimal.code, decimal.output], [EXIT.usage, 'error: --amount must be a whole number of minor units (cents), got "50.00"\n']);

      const proposals = await cli('plan', ...promised, '--propose', '--income', '300000', '--expenses', '200000');
      assert.equal(proposals.code, EXIT.ok, proposals.output);
      assert.match(proposals.output, /^weekly: .*\nfortnightly: .*\nmonthly: \d+ payment\(s\) from \d{4}-\d{2}-\d{2}, \$[\d,.]+ each, total \$600\.00\n$/);
      const asJson = JSON.parse((await cli('plan', ...promised, '--propose', '--json')).output);
      assert.equal(asJson.proposals.length, 3);
      const plan = await cli('plan', ...promised, '--frequency', 'monthly', '--income', '300000', '--expenses', '200000', '--accepted-by', 'ana');
      assert.equal(plan.code, EXIT.ok, plan.output);
      assert.match(plan.output, /^plan plan-1 accepted by ana: \d+ monthly payment\(s\), total \$600\.00\n  #1 /);
      const settlement = await cli('plan', ...(await enrolled()), '--frequency', 'monthly', '--settlement', '100', '--accepted-by', 'ana', '--json');
      assert.equal(settlement.code, EXIT.usage);
      assert.equal(JSON.parse(settlement.output).error.field, 'settlementAmountMinor');
    });
  });

  it('dial and call-outcome: the gate answers a call being placed; a wrong number is refused afterwards', async () => {
    await run(async () => {
      const [creditorId, accountId] = await enrolled();
      // 10:00 the next morning where the debtor is (the fixtures' New York), whatever the test clock says now.
      const today = localDateTime(new Date(await stack.env.currentTimeMs()).toISOString(), 'America/New_York').date;
      await stack.env.sleep(zonedTimeToUtcMs(addCalendarDays(today, 1), '10:00', 'America/New_York') - (await stack.env.currentTimeMs()));
      const dialled = await cli('dial', creditorId, accountId, '--operator', 'ana', '--json');
      assert.equal(dialled.code, EXIT.ok, dialled.output);
      assert.deepEqual([JSON.parse(dialled.output).attemptId, JSON.parse(dialled.output).decision], ['call-1', 'allow']);
      const reported = await cli('call-outcome', creditorId, accountId, 'call-1', 'wrong_number', '--operator', 'ana', '--note', 'a bakery');
      assert.equal(reported.code, EXIT.ok, reported.output);
      assert.match(reported.output, /^call-1 to \+1\d+: wrong_number recorded/);
      const again = await cli('dial', creditorId, accountId, '--operator', 'ana');
      assert.equal(again.code, EXIT.usage);
      assert.match(again.output, /^error: dialling refused: phone: the number dialled was reported as a wrong number/);
      const missing = await cli('dial', creditorId, accountId);
      assert.equal(missing.code, EXIT.usage);
      assert.match(missing.output, /dial needs --operator/);
      assert.equal((await cli('call-outcome', creditorId, accountId, 'call-1', 'hung_up', '--operator', 'ana')).code, EXIT.usage);
    });
  });

  it('event: a fact of the person goes to the same debtor\'s other accounts, and the output names them', async () => {
    await run(async () => {
      const debtorId = `CLI-DEBTOR-${Date.now().toString(36)}`;
      const [creditorId, accountId] = await enrolled({ debtorId });
      const [, otherId] = await enrolled({ debtorId });
      await stack.env.sleep('1 hour'); // both opened: their debtor is known
      const attorney = await cli('event', creditorId, accountId, JSON.stringify({ kind: 'attorney_representation', attorney: 'J. Doe, Esq.' }));
      assert.equal(attorney.code, EXIT.ok, attorney.output);
      assert.equal(attorney.output, `attorney_representation recorded for ${creditorId}/${accountId}; the same debtor's other accounts: ${otherId} (recorded)\n`);
      await stack.env.sleep('1 minute');
      const other = await cli('status', creditorId, otherId, '--json');
      assert.equal(JSON.parse(other.output).compliance.flags.attorneyRepresented, true);
      // A fact of one account only (a dispute) stays on it.
      const dispute = await cli('event', creditorId, accountId, JSON.stringify({ kind: 'dispute', via: 'letter' }), '--json');
      assert.deepEqual(JSON.parse(dispute.output).accounts.map((a: { via: string }) => a.via), ['reported']);
    });
  });

  it('reverse, dispute and history; an unknown account exits 3', async () => {
    await run(async () => {
      const account = await enrolled({ balanceMinor: 90_00 });
      assert.equal((await cli('pay', ...account, 'PAY-CLI-R', '3000', 'USD')).code, EXIT.ok);
      await stack.env.sleep('1 hour');
      const badReason = await cli('reverse', ...account, '--payment-id', 'PAY-CLI-R', '--return-id', 'RET-1', '--reason', 'oops');
      assert.equal(badReason.code, EXIT.usage);
      assert.match(badReason.output, /reason: must be one of insufficient_funds/);
      const reversed = await cli('reverse', ...account, '--payment-id', 'PAY-CLI-R', '--return-id', 'RET-1', '--reason', 'insufficient_funds');
      assert.equal(reversed.code, EXIT.ok, reversed.output);
      assert.match(reversed.output, /^return RET-1 of payment PAY-CLI-R \(insufficient_funds\) reported to/);
      const dispute = await cli('dispute', ...account, '--via', 'phone', '--note', 'not mine');
      assert.equal(dispute.code, EXIT.ok, dispute.output);
      await stack.env.sleep('1 hour');

      const history = await cli('history', ...account);
      assert.equal(history.code, EXIT.ok, history.output);
      assert.match(history.output, /\nstages:\n  \S+ notice: /);
      assert.match(history.output, /\nstatement:\n  \d{4}-\d{2}-\d{2} Opening balance +\$90\.00 +\$90\.00\n  .*Payment PAY-CLI-R +\$30\.00 +\$60\.00\n  .*Payment returned \(insufficient_funds\) +\$30\.00 +\$90\.00/);
      const json = JSON.parse((await cli('history', ...account, '--json')).output);
      assert.deepEqual(json.statement.map((l: { kind: string }) => l.kind), ['charge', 'payment', 'reversal']);
      assert.equal(json.payments[0].status, 'reversed');
      assert.ok(json.complianceEvents.some((e: { kind: string }) => e.kind === 'dispute'));

      const unknown = await cli('history', 'cred-test', 'NO-SUCH-ACCOUNT');
      assert.equal(unknown.code, EXIT.account);
      assert.match(unknown.output, /no account cred-test\/NO-SUCH-ACCOUNT is enrolled/);
    });
  });
});

describe('command line: API keys', () => {
  it('creates a key shown once, stores only its hash, revokes it; refuses unknown creditors and keys', async () => {
    const created = await cli('apikey', 'create', '--creditor', 'cred-metro-power', '--label', 'billing system', '--json');
    assert.equal(created.code, EXIT.ok, created.output);
    const { key, keyId, creditorId, label } = JSON.parse(created.output);
    assert.match(key, /^dk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([creditorId, label], ['cred-metro-power', 'billing system']);
    const keys = createApiKeyRepository(stack.pool);
    assert.deepEqual(await keys.verify(key), { keyId, creditorId: 'cred-metro-power', label: 'billing system' });
    const badLabel = await cli('apikey', 'create', '--creditor', 'cred-metro-power', '--label', 'ops\nBcc: x');
    assert.deepEqual([badLabel.code, /--label must be one line without control characters \(found a line break\)/.test(badLabel.output)], [EXIT.usage, true], badLabel.output);
    const human = await cli('apikey', 'create', '--creditor', 'cred-first-card');
    assert.match(human.output, /^API key [0-9a-f]{12} for cred-first-card:\ndk_\S+\nIt is shown only now/);
    const listed = await cli('apikey', 'list', '--creditor', 'cred-metro-power');
    assert.match(listed.output, new RegExp(`^${keyId} cred-metro-power active billing system\\n$`));

    assert.deepEqual(await cli('apikey', 'revoke', keyId), { code: EXIT.ok, output: `API key ${keyId} revoked\n` });
    assert.equal(await keys.verify(key), null);
    assert.deepEqual(await cli('apikey', 'revoke', keyId), { code: EXIT.ok, output: `API key ${keyId} was already revoked\n` });
    assert.equal((await cli('apikey', 'revoke', '000000000000')).code, EXIT.usage);
    const stranger = await cli('apikey', 'create', '--creditor', 'cred-nobody');
    assert.equal(stranger.code, EXIT.usage);
    assert.match(stranger.output, /creditor cred-nobody is not in the creditor directory/);
  });
});
