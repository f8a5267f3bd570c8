import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smsIntent } from '../src/domain/sms-keywords';

describe('SMS reply keywords', () => {
  const cases: [string, ReturnType<typeof smsIntent>][] = [
    ['STOP', 'opt_out'], ['stop', 'opt_out'], [' Stop. ', 'opt_out'], ['quit', 'opt_out'], ['END', 'opt_out'], ['revoke', 'opt_out'],
    ['opt out', 'opt_out'], ['Cancel', 'opt_out'], ['UNSUBSCRIBE', 'opt_out'], ['parar', 'opt_out'], ['Baja', 'opt_out'], ['no más', 'opt_out'],
    ['START', 'opt_in'], ['unstop', 'opt_in'], ['sí', 'opt_in'], ['HELP', 'help'], ['ayuda', 'help'], ['PAY', 'pay'], ['pagar', 'pay'],
    ['stop calling me at work', 'free_text'], ['I will pay friday', 'free_text'], ['', 'free_text'],
  ];
  for (const [body, intent] of cases) it(`"${body}" → ${intent}`, () => assert.equal(smsIntent(body), intent));
});
