import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limitedContentMessage, mentionsDebt } from '../src/domain/voicemail';

describe('limited-content voicemail (Reg F 1006.2(j))', () => {
  it('names the consumer, the caller, a neutral business and a callback number, and nothing about a debt', () => {
    const text = limitedContentMessage({ debtorName: 'Ana Rivera', callerName: 'Sam', businessName: 'Northline Services', callbackPhone: '+1 212 555 0100' });
    assert.equal(text, 'Hello, this message is for Ana Rivera. This is Sam from Northline Services. Please call us back at +1 212 555 0100. Thank you.');
    assert.equal(mentionsDebt(text), false);
  });

  it('names a caller or a debtor called Bill without taking the name for a debt', () => {
    assert.match(limitedContentMessage({ debtorName: 'Bill Payne', callerName: 'Bill Owens', businessName: 'Northline Services', callbackPhone: '+1 212 555 0100' }), /This is Bill Owens from Northline Services/);
  });

  it('refuses a business name that gives the debt away', () => {
    assert.throws(() => limitedContentMessage({ debtorName: 'Ana', callerName: 'Sam', businessName: 'Acme Debt Collection', callbackPhone: '+12125550100' }), /would mention a debt/);
  });

  it('recognises the words a voicemail must not carry', () => {
    for (const text of ['about your debt', 'your balance of $10', 'past due', 'your account', 'please pay today', 'the loan']) assert.equal(mentionsDebt(text), true, text);
    assert.equal(mentionsDebt('please call us back'), false);
  });
});
