/**
 * What a debtor's written reply asks for (Reg F §1006.6(e), §1006.14(h); TCPA revocation by any
 * reasonable means): the opt-out keywords as for SMS, and free text that plainly asks to stop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asksToBeContactedAgain, identityInReply, ownText, replyIntent } from '../src/domain/reply-intent';

describe('reply intent', () => {
  const cases: [string, string, string, ReturnType<typeof replyIntent>][] = [
    ['a bare STOP', 'STOP', '', { intent: 'opt_out', media: [], everything: false }],
    ['STOP above the quoted email, with a signature', 'Stop.\n\nSent from my phone\n\nOn Mon, 2 Nov 2026, Collections <c@example.test> wrote:\n> Dear Dana, $120.00 is due.', '', { intent: 'opt_out', media: [], everything: false }],
    ['a Spanish keyword', 'BAJA', '', { intent: 'opt_out', media: [], everything: false }],
    ['the subject of the List-Unsubscribe mailto', '', 'unsubscribe account/cred-test/A-1', { intent: 'opt_out', media: [], everything: false }],
    ['UNSUBSCRIBE as the subject of a reply', 'no more', 'Re: UNSUBSCRIBE', { intent: 'opt_out', media: [], everything: false }],
    ['START', 'start', '', { intent: 'opt_in', media: [], everything: false }],
    ['please stop emailing me', 'Please stop emailing me.', 'Re: Your account is past due', { intent: 'stop_request', media: ['email'], everything: false }],
    ['stop calling my phone', 'Hi, I will pay Friday, but stop calling my phone at work.', '', { intent: 'stop_request', media: ['call'], everything: false }],
    ['stop contacting me altogether', 'I want you to stop contacting me about this.', '', { intent: 'stop_request', media: [], everything: true }],
    ['do not text me', "Don't text me again", '', { intent: 'stop_request', media: ['sms'], everything: false }],
    ['no more emails', 'No more emails please, send letters instead', '', { intent: 'stop_request', media: ['email'], everything: false }],
    ['Spanish: stop writing to me', 'Por favor dejen de escribirme correos', '', { intent: 'stop_request', media: ['email'], everything: false }],
    ['Spanish: do not call me', 'No me llamen más', '', { intent: 'stop_request', media: ['call'], everything: false }],
    ['a question is free text', 'Can I pay half now and half next month?', 'Re: Your account', { intent: 'free_text', media: [], everything: false }],
    ['"stop" only in the quoted original is not a request', 'Thanks, paid today.\n> Reply STOP to opt out.', '', { intent: 'free_text', media: [], everything: false }],
    ['a plan "to suit you" is not about stopping', 'Is there a plan that could suit me?', '', { intent: 'free_text', media: [], everything: false }],
  ];
  for (const [name, text, subject, expected] of cases) it(name, () => assert.deepEqual(replyIntent(text, subject), expected));

  it('drops quoted lines and the quoted original', () => {
    assert.equal(ownText('Will pay.\n> quoted\n-----Original Message-----\nFrom: x\nold'), 'Will pay.');
  });
});

describe('a request to be contacted again (a third party asked for location information, §1006.10(b)(3))', () => {
  const asks = [
    'I am not Tess, but write to me again next week: I will ask her sister.',
    'Wrong person, but call me back, I may know where he lives.',
    'Not sure. Try again later?',
    'Please contact me again in a few days.',
    'No soy ella, pero vuelva a escribirme la próxima semana.',
    'Escríbame de nuevo el lunes, por favor.',
    // A negation stays in its clause: "don't know him" does not negate "call me back".
    "I don't know him but call me back next week.",
  ];
  const doesNot = [
    'Yes, this is Tess.',
    'Do not write to me again.',
    "Don't contact me again, I don't know her.",
    'Never call me back.',
    'I will call you back.',
    'STOP',
    'Please stop emailing me.',
    'No me vuelva a escribir.',
    'Thanks.\n> Reply or call us again.',
  ];
  for (const text of asks) it(`asks: ${text}`, () => assert.equal(asksToBeContactedAgain(text), true));
  for (const text of doesNot) it(`does not ask: ${text}`, () => assert.equal(asksToBeContactedAgain(text), false));
});

describe('reply intent: does a reply to a location inquiry say it is the debtor', () => {
  const cases: [string, 'affirms' | 'denies' | 'unclear'][] = [
    ['Yes, this is Rhea.', 'affirms'],
    ['Yes this is Rhea, my new email. Please call me back tomorrow about this.', 'affirms'],
    ['This is my new email.', 'affirms'],
    ["It's me.", 'affirms'],
    ['Sí, soy yo.', 'affirms'],
    ['Este es mi nuevo correo.', 'affirms'],
    ["I'm not Rhea and I don't know anyone by that name.", 'denies'],
    ['Wrong number.', 'denies'],
    ['Wrong person, but call me back, I may know where she lives.', 'denies'],
    ['No one by that name here.', 'denies'],
    ["Rhea doesn't live here anymore.", 'denies'],
    ['No soy ella, pero vuelva a escribirme.', 'denies'],
    ['Número equivocado.', 'denies'],
    ['Yes', 'unclear'],
    ['Who is this?', 'unclear'],
    ["I am Rhea's sister.", 'unclear'],
    ["This is Rhea. Actually no, I'm not Rhea.", 'unclear'],
  ];
  for (const [text, expected] of cases) it(`${expected}: ${text}`, () => assert.equal(identityInReply(text, 'Rhea Referral'), expected));
});
