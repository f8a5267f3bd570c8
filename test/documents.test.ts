/** The PDF writer and the collection documents: structure parsed back, text read by pdf.js, CSVs round-tripped. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import {
  CONTACTS_CSV_COLUMNS,
  LEDGER_CSV_COLUMNS,
  renderAccountPacket,
  renderCollectionLetter,
  type AccountPacketInput,
  type CollectionLetterInput,
  type PacketLedgerEntry,
} from '../src/adapters/documents';
import { renderTextPdf } from '../src/adapters/pdf-writer';
import { readPdf, type PdfReading } from './helpers/pdf-text';

/** Reads our own output the way a reader starts: %%EOF, startxref, the xref table, then every object it points at. */
function assertValidPdf(pdf: Buffer): { pageCount: number } {
  const text = pdf.toString('latin1');
  assert.ok(text.startsWith('%PDF-1.4\n'), 'starts with the PDF 1.4 header');
  assert.ok(text.endsWith('%%EOF\n'), 'ends with %%EOF');
  const xrefOffset = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  const xref = /^xref\n0 (\d+)\n/.exec(text.slice(xrefOffset));
  assert.ok(xref, 'startxref points at the xref table');
  const size = Number(xref[1]);
  const entriesStart = xrefOffset + xref[0].length;
  assert.equal(text.slice(entriesStart, entriesStart + 20), '0000000000 65535 f \n');
  for (let object = 1; object < size; object++) {
    const entry = text.slice(entriesStart + object * 20, entriesStart + object * 20 + 20);
    assert.match(entry, /^\d{10} 00000 n \n$/, `xref entry ${object} is 20 bytes`);
    const offset = Number(entry.slice(0, 10));
    assert.equal(text.slice(offset, offset + `${object} 0 obj\n`.length), `${object} 0 obj\n`, `xref entry ${object} points at its object`);
  }
  const trailer = text.slice(entriesStart + size * 20);
  assert.ok(trailer.startsWith('trailer\n'), 'the trailer follows the last xref entry');
  assert.equal(Number(/\/Size (\d+)/.exec(trailer)?.[1]), size, 'trailer /Size counts the xref entries');
  assert.match(trailer, /\/Root 1 0 R/);
  assert.match(trailer, /\/Info 5 0 R/);
  for (const stream of text.matchAll(/\/Length (\d+) >>\nstream\n/g)) {
    const start = stream.index + stream[0].length;
    assert.equal(text.slice(start + Number(stream[1]), start + Number(stream[1]) + 10), '\nendstream', 'stream /Length is exact');
  }
  const pageCount = Number(/\/Type \/Pages \/Kids \[[^\]]*\] \/Count (\d+)/.exec(text)?.[1]);
  assert.equal(text.match(/\/Type \/Page /g)?.length, pageCount, 'one page object per counted page');
  return { pageCount };
}

/** pdf.js's reading of the document; it warns about anything it had to repair, and there must be nothing. */
async function read(pdf: Buffer): Promise<PdfReading> {
  const reading = await readPdf(pdf);
  assert.deepEqual(reading.warnings, [], 'pdf.js reported problems');
  return reading;
}

const letter: CollectionLetterInput = {
  creditor: { name: 'Acme Utilities (East)', mailingAddress: ['100 Power Plant Rd', 'Springfield, NY 10001'] },
  debtor: { name: 'Señora Ana Núñez', mailingAddress: ['Calle Mayor 5, Piso 2º', 'Brooklyn, NY 11201'] },
  accountId: 'ACC-0042',
  date: '2026-10-05',
  subject: 'Your past-due balance',
  body:
    'Dear Señora Núñez,\n\nOur records show a balance that is “past due” on your account. We’d like to help — café-style chats welcome: call us (8–5) or pay online; the path C:\\pay\\now is not a link.\n\n' +
    'If you have already paid, thank you 🙂 and please disregard this letter. Señor, señora, áéíóú ÁÉÍÓÚ ü ç €5.',
  amountDue: { amountMinor: 1_234_56, currency: 'USD' },
  paymentLink: 'https://pay.example.test/p/ACC-0042?token=abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789',
};

const ledgerEntries = (count: number): PacketLedgerEntry[] => {
  let balance = 0;
  return Array.from({ length: count }, (_, i) => {
    const debit = i % 3 === 2 ? 0 : 45_00 + i;
    const credit = i % 3 === 2 ? 60_00 : 0;
    balance += debit - credit;
    const description = i === 1 ? 'Adjustment, "courtesy" credit\nsecond line' : `Monthly service charge #${String(i + 1).padStart(3, '0')}`;
    return { date: `2026-${String(1 + (i % 12)).padStart(2, '0')}-15`, kind: debit ? 'charge' : 'payment', description, debitMinor: debit, creditMinor: credit, balanceMinor: balance };
  });
};

const packet = (ledgerRows: number): AccountPacketInput => {
  const ledger = ledgerEntries(ledgerRows);
  return {
    account: {
      creditorId: 'cred-auto',
      accountId: 'AL-7',
      debtorName: 'José Ramírez',
      address: { line1: '12 Elm St, Apt 4', city: 'Austin', region: 'TX', postalCode: '78701', country: 'US' },
      phone: '+15125550100',
      email: 'jose@example.test',
      product: 'auto_loan',
      currency: 'USD',
      originalDueDate: '2026-01-15',
      collateralVin: '1HGCM82633A004352',
      serviceId: null,
      insuranceClaimId: null,
    },
    creditorName: 'Lone Star Auto Finance',
    placement: { agencyName: 'Smith & Ortiz, Attorneys', preparedAt: '2026-11-20T15:30:00Z' },
    statement: { openingBalanceMinor: 45_00, currentBalanceMinor: ledger.at(-1)?.balanceMinor ?? 0 },
    ledger,
    contacts: [
      { at: '2026-02-01T14:00:00Z', channel: 'email', stepId: 'first-notice', status: 'sent', reason: null },
      { at: '2026-02-04T02:00:00Z', channel: 'sms', stepId: 'sms-reminder', status: 'suppressed', reason: 'outside contact window, "08:00-21:00"\nlocal', rule: 'contact_window' },
      { at: '2026-02-08T14:00:00Z', channel: 'letter', stepId: 'final-letter', status: 'sent', reason: null },
    ],
    stages: [
      { stage: 'notice', at: '2026-01-16T00:00:00Z', reason: 'enrolled' },
      { stage: 'escalated', at: '2026-06-01T00:00:00Z', reason: 'no payment after final notice' },
      { stage: 'placed', at: '2026-11-20T15:30:00Z', reason: 'placed with attorney' },
    ],
  };
};

describe('pdf writer', () => {
  it('escapes PDF syntax, maps WinAnsi characters and right-aligns numeric columns', async () => {
    const pdf = renderTextPdf({
      title: 'Prueba “título”',
      blocks: [
        { kind: 'heading', text: 'Escapes (and) back\\slash' },
        { kind: 'paragraph', text: 'Smart “quotes” ‘single’ – en — em … € ñ é á; unmappable: ł 漢 🙂' },
        { kind: 'line' },
        {
          kind: 'table',
          columns: [{ header: 'Item' }, { header: 'Amount', align: 'right' }],
          rows: [['small', '1.00'], ['large', '1,000.00']],
        },
      ],
      metadata: { createdAt: '2026-10-05T12:00:00Z' },
    });
    assertValidPdf(pdf);
    const { text, info, items } = await read(pdf);
    assert.match(text, /Escapes \(and\) back\\slash/);
    assert.match(text, /Smart “quotes” ‘single’ – en — em … € ñ é á; unmappable: \? \? \?/);
    const rightEdge = (amount: string) => items.find((i) => i.str.trim() === amount)!.right;
    assert.ok(Math.abs(rightEdge('1.00') - rightEdge('1,000.00')) < 0.5, 'right-aligned amounts end at the same x');
    assert.ok(rightEdge('1,000.00') - items.find((i) => i.str.trim() === '1,000.00')!.x > rightEdge('1.00') - items.find((i) => i.str.trim() === '1.00')!.x, 'the longer amount starts further left');
    assert.equal(info.title, 'Prueba “título”');
    assert.equal(info.pageCount, 1);
  });

  it('breaks pages and numbers them "page N of M" on every page', async () => {
    const blocks = Array.from({ length: 150 }, (_, i) => ({ kind: 'paragraph' as const, text: `Paragraph number ${i + 1}` }));
    const pdf = renderTextPdf({ title: 'Long', blocks, footer: 'Long document' });
    const { pageCount } = assertValidPdf(pdf);
    const { text, pages } = await read(pdf);
    assert.ok(pageCount >= 3, `150 paragraphs need several pages, got ${pageCount}`);
    assert.equal(pages.length, pageCount);
    pages.forEach((page, i) => assert.match(page, new RegExp(`page ${i + 1} of ${pageCount}`)));
    const order = [...text.matchAll(/Paragraph number (\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(order, Array.from({ length: 150 }, (_, i) => i + 1), 'every paragraph once, in order');
  });

  it('refuses a creation time without a zone, which would depend on the host', () => {
    assert.throws(() => renderTextPdf({ title: 't', blocks: [], metadata: { createdAt: '2026-10-05T12:00:00' } }), RangeError);
  });
});

describe('collection letter', () => {
  it('is a valid one-page PDF with the debtor, accented text, the amount and the disclosure', async () => {
    const pdf = renderCollectionLetter(letter);
    assert.equal(assertValidPdf(pdf).pageCount, 1);
    const { text, info } = await read(pdf);
    for (const expected of [
      'Acme Utilities (East)',
      'Señora Ana Núñez',
      'Calle Mayor 5, Piso 2º',
      'Dear Señora Núñez,',
      '“past due”',
      'We’d like to help — café-style',
      'C:\\pay\\now',
      'áéíóú ÁÉÍÓÚ ü ç €5.',
      'thank you ? and',
      'October 5, 2026',
      'Amount due: $1,234.56',
      'https://pay.example.test/p/ACC-0042?token=',
      'This communication is from a debt collector.',
      'page 1 of 1',
    ])
      assert.ok(text.replace(/\s+/g, ' ').includes(expected), `letter text contains ${JSON.stringify(expected)}:\n${text}`);
    assert.match(info.creationDate ?? '', /^D:2026/);
  });

  it('renders the same bytes for the same input', () => {
    assert.ok(renderCollectionLetter(letter).equals(renderCollectionLetter({ ...letter })));
  });

  it('formats a Spanish letter and still prints the English disclosure', async () => {
    const { text } = await read(renderCollectionLetter({ ...letter, language: 'es' }));
    assert.ok(text.includes('Importe adeudado: $1,234.56'), text);
    assert.ok(text.includes('Esta comunicación proviene de un cobrador de deudas.'));
    assert.ok(text.includes('This communication is from a debt collector.'));
  });

  it('refuses an amount that is not whole minor units', () => {
    assert.throws(() => renderCollectionLetter({ ...letter, amountDue: { amountMinor: 1234.5, currency: 'USD' } }), RangeError);
  });
});

describe('account placement packet', () => {
  it('spreads a 120-row ledger over several numbered pages without losing a row', async () => {
    const { pdf } = renderAccountPacket(packet(120));
    const { pageCount } = assertValidPdf(pdf);
    const { text, pages, info } = await read(pdf);
    assert.ok(pageCount >= 3, `expected several pages, got ${pageCount}`);
    assert.equal(info.pageCount, pageCount);
    assert.equal(pages.length, pageCount);
    pages.forEach((page, i) => assert.ok(page.includes(`page ${i + 1} of ${pageCount}`), `page ${i + 1} has its footer`));
    const rows = [...text.matchAll(/Monthly service charge #(\d{3})/g)].map((m) => Number(m[1]));
    assert.deepEqual(rows, Array.from({ length: 120 }, (_, i) => i + 1).filter((n) => n !== 2), 'every ledger row once, in order');
    // The header row repeats on every page the ledger runs onto.
    assert.ok(pages.filter((p) => /Date\s+Kind\s+Description\s+Debit\s+Credit\s+Balance/.test(p)).length >= 2);
    for (const expected of ['Account placement: José Ramírez', 'Smith & Ortiz, Attorneys', '1HGCM82633A004352', 'Contact history', 'Stage history', 'contact_window', 'placed with attorney'])
      assert.ok(text.includes(expected), `packet contains ${expected}`);
  });

  it('renders the same bytes and CSVs for the same input', () => {
    const first = renderAccountPacket(packet(120));
    const second = renderAccountPacket(packet(120));
    assert.ok(first.pdf.equals(second.pdf));
    assert.equal(first.ledgerCsv, second.ledgerCsv);
    assert.equal(first.contactsCsv, second.contactsCsv);
  });

  it('writes RFC 4180 CSVs with exact headers and integer minor units', () => {
    const input = packet(6);
    const { ledgerCsv, contactsCsv } = renderAccountPacket(input);
    assert.ok(ledgerCsv.startsWith(`${LEDGER_CSV_COLUMNS.join(',')}\r\n`));
    assert.equal(LEDGER_CSV_COLUMNS.join(','), 'creditor_id,account_id,date,kind,description,debit_minor,credit_minor,balance_minor,currency');
    assert.equal(CONTACTS_CSV_COLUMNS.join(','), 'creditor_id,account_id,at,channel,step_id,status,reason,rule');
    assert.ok(ledgerCsv.includes('"Adjustment, ""courtesy"" credit\nsecond line"'), 'comma, quote and newline quoted and escaped');
    // Outside quoted fields every line ends CRLF.
    assert.doesNotMatch(ledgerCsv.replace(/"(?:[^"]|"")*"/g, ''), /[^\r]\n/);
    assert.ok(ledgerCsv.endsWith('\r\n'));

    const ledgerRows = parse(ledgerCsv, { columns: true }) as Record<string, string>[];
    assert.equal(ledgerRows.length, input.ledger.length);
    assert.equal(ledgerRows[1]!.description, 'Adjustment, "courtesy" credit\nsecond line');
    ledgerRows.forEach((row, i) => {
      for (const column of ['debit_minor', 'credit_minor', 'balance_minor']) assert.match(row[column]!, /^-?\d+$/, `${column} is an integer`);
      assert.equal(Number(row.debit_minor), input.ledger[i]!.debitMinor);
      assert.equal(Number(row.balance_minor), input.ledger[i]!.balanceMinor);
      assert.equal(row.currency, 'USD');
    });

    const contactRows = parse(contactsCsv, { columns: true }) as Record<string, string>[];
    assert.deepEqual(Object.keys(contactRows[0]!), [...CONTACTS_CSV_COLUMNS]);
    assert.deepEqual(contactRows[1], {
      creditor_id: 'cred-auto',
      account_id: 'AL-7',
      at: '2026-02-04T02:00:00Z',
      channel: 'sms',
      step_id: 'sms-reminder',
      status: 'suppressed',
      reason: 'outside contact window, "08:00-21:00"\nlocal',
      rule: 'contact_window',
    });
  });

  it('refuses fractional amounts rather than write a float', () => {
    const input = packet(3);
    input.ledger[0]!.debitMinor = 45.5;
    assert.throws(() => renderAccountPacket(input), RangeError);
  });

  it('says so when there is no history instead of printing an empty table', async () => {
    const { pdf } = renderAccountPacket({ ...packet(0), contacts: [], stages: [] });
    assertValidPdf(pdf);
    assert.equal((await read(pdf)).text.match(/None recorded\./g)?.length, 3);
  });
});
