/**
 * The portfolio report as a spreadsheet (one long-form CSV), one self-contained HTML page (inline
 * CSS, inline SVG charts, no scripts, nothing fetched) and a short text summary for a terminal.
 */
import { formatMoney, minorUnitDigits } from '../domain/money';
import {
  AGING_BUCKETS,
  formatPercent,
  percentDigits,
  ROLL_DESTINATIONS,
  scaleRatio,
  type ChannelFigures,
  type PortfolioGroup,
  type PortfolioReport,
  type PromiseFigures,
  type Ratio,
  type RollDestination,
} from '../domain/portfolio-metrics';
import { toCsv } from './csv';

export const PORTFOLIO_FORMATS = ['text', 'csv', 'html', 'json'] as const;
export type PortfolioFormat = (typeof PORTFOLIO_FORMATS)[number];

// ---- CSV -------------------------------------------------------------------------------------
/** Exact decimal of minor units in major units ("1234.56", "-0.05", JPY "1234"), for spreadsheets. */
export function minorToDecimal(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amount is not a safe integer: ${amountMinor}`);
  const digits = minorUnitDigits(currency);
  const text = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  return `${amountMinor < 0 ? '-' : ''}${whole}${digits > 0 ? '.' + text.slice(text.length - digits) : ''}`;
}

export const PORTFOLIO_CSV_HEADER = ['period_from', 'period_to', 'creditor_id', 'currency', 'section', 'as_of', 'item', 'measure', 'unit', 'value', 'amount'] as const;

/**
 * The whole report as one CSV table in long form (one number per row, ready for a pivot table or
 * a filter on `section`), CRLF line ends:
 *   aging_opening, aging_closing — item: a bucket or total; measure balance (minor) | debts (count); as_of the aging date
 *   collection    — measure opening_receivables, charges, payments, reversals, collected, written_off,
 *                   adjusted, closing_receivables, closing_current (minor) | collection_rate, cei (percent)
 *   roll_rate     — item: the bucket at the opening; measure opening (minor), to:<bucket|paid|written-off>
 *                   (minor), share:<…> and roll_forward (percent)
 *   promises      — measure made, kept, partial, broken, cancelled, resolved, open_at_end (count) | kept_rate (percent)
 *   contacts      — item: the channel; measure sent, suppressed, deferred, failed (count)
 *   work_queue    — item: the kind of work; measure created, completed, open_at_end (count)
 * unit minor: `value` is integer minor units and `amount` the same in major units (exact decimal);
 * unit percent: `value` has two decimals, empty when not defined (nothing to divide by).
 * Promises and contacts are counts, so their currency is empty.
 */
export function portfolioReportCsv(report: PortfolioReport): string {
  const { from, to } = report.period;
  const rows: Array<Array<string | number>> = [];
  const push = (creditorId: string, currency: string, section: string, asOf: string, item: string, measure: string, unit: 'minor' | 'count' | 'percent', value: number | Ratio | null) => {
    if (unit === 'percent') return rows.push([from, to, creditorId, currency, section, asOf, item, measure, unit, percentDigits(value as Ratio | null, 2), '']);
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new RangeError(`${section} ${measure} is not a safe integer: ${String(value)}`);
    return rows.push([from, to, creditorId, currency, section, asOf, item, measure, unit, value, unit === 'minor' ? minorToDecimal(value, currency) : '']);
  };
  for (const group of report.groups) {
    const { creditorId: c, currency: cur } = group;
    for (const [section, snapshot] of [['aging_opening', group.opening], ['aging_closing', group.closing]] as const) {
      for (const bucket of AGING_BUCKETS) {
        push(c, cur, section, snapshot.asOf, bucket, 'balance', 'minor', snapshot.buckets[bucket].balanceMinor);
        push(c, cur, section, snapshot.asOf, bucket, 'debts', 'count', snapshot.buckets[bucket].debts);
      }
      push(c, cur, section, snapshot.asOf, 'total', 'balance', 'minor', snapshot.totalMinor);
      push(c, cur, section, snapshot.asOf, 'total', 'debts', 'count', snapshot.debts);
    }
    const k = group.collection;
    const amounts: Array<[string, number]> = [
      ['opening_receivables', k.openingReceivablesMinor],
      ['charges', k.chargesMinor],
      ['payments', k.paymentsMinor],
      ['reversals', k.reversalsMinor],
      ['collected', k.collectedMinor],
      ['written_off', k.writtenOffMinor],
      ['adjusted', k.adjustedMinor],
      ['closing_receivables', k.closingReceivablesMinor],
      ['closing_current', k.closingCurrentMinor],
    ];
    for (const [measure, value] of amounts) push(c, cur, 'collection', '', '', measure, 'minor', value);
    push(c, cur, 'collection', '', '', 'collection_rate', 'percent', k.collectionRate);
    push(c, cur, 'collection', '', '', 'cei', 'percent', k.cei);
    for (const row of group.rollRates) {
      if (row.openingMinor === 0) continue;
      push(c, cur, 'roll_rate', '', row.from, 'opening', 'minor', row.openingMinor);
      for (const d of ROLL_DESTINATIONS) push(c, cur, 'roll_rate', '', row.from, `to:${d}`, 'minor', row.to[d]);
      for (const d of ROLL_DESTINATIONS) push(c, cur, 'roll_rate', '', row.from, `share:${d}`, 'percent', row.shares[d]);
      push(c, cur, 'roll_rate', '', row.from, 'roll_forward', 'percent', row.rollForward);
    }
  }
  for (const p of report.promises) {
    for (const measure of ['made', 'kept', 'partial', 'broken', 'cancelled', 'resolved'] as const) push(p.creditorId, '', 'promises', '', '', measure, 'count', p[measure]);
    push(p.creditorId, '', 'promises', '', '', 'open_at_end', 'count', p.openAtEnd);
    push(p.creditorId, '', 'promises', '', '', 'kept_rate', 'percent', p.keptRate);
  }
  for (const contact of report.contacts)
    for (const channel of contact.channels) for (const measure of ['sent', 'suppressed', 'deferred', 'failed'] as const) push(contact.creditorId, '', 'contacts', '', channel.channel, measure, 'count', channel[measure]);
  for (const w of report.workQueue) {
    push(w.creditorId, '', 'work_queue', '', w.kind, 'created', 'count', w.created);
    push(w.creditorId, '', 'work_queue', '', w.kind, 'completed', 'count', w.completed);
    push(w.creditorId, '', 'work_queue', '', w.kind, 'open_at_end', 'count', w.openAtEnd);
  }
  return toCsv(PORTFOLIO_CSV_HEADER, rows);
}

// ---- text ------------------------------------------------------------------------------------
const money = (amountMinor: number, currency: string) => formatMoney({ amountMinor, currency });
const scopeLabel = (report: PortfolioReport) => (report.scope.creditorId ? `creditor ${report.scope.creditorId}` : 'all creditors');

/** A few lines per creditor and currency, for a terminal. */
export function portfolioReportText(report: PortfolioReport): string {
  const { period } = report;
  const lines = [`Portfolio ${period.from} .. ${period.to} (${scopeLabel(report)}; opening as of ${period.openingAsOf}, closing as of ${period.closingAsOf})`];
  if (report.groups.length === 0 && report.promises.length === 0 && report.contacts.length === 0) lines.push('  nothing in the ledger or the contact history for this period');
  for (const g of report.groups) {
    const k = g.collection;
    const m = (v: number) => money(v, g.currency);
    lines.push(
      '',
      `${g.creditorId} ${g.currency}`,
      `  receivables ${m(k.openingReceivablesMinor)} → ${m(k.closingReceivablesMinor)} (${g.closing.debts} open debt${g.closing.debts === 1 ? '' : 's'}); charges ${m(k.chargesMinor)}`,
      `  collected ${m(k.collectedMinor)} (payments ${m(k.paymentsMinor)} − reversals ${m(k.reversalsMinor)}); written off ${m(k.writtenOffMinor)}`,
      `  collection rate ${formatPercent(k.collectionRate)}   CEI ${formatPercent(k.cei)}`,
      `  aging ${g.closing.asOf}: ${AGING_BUCKETS.map((b) => `${b} ${m(g.closing.buckets[b].balanceMinor)}`).join(' · ')}`,
      `  roll forward: ${g.rollRates.filter((r) => r.openingMinor > 0 && r.from !== 'over-120').map((r) => `${r.from} ${formatPercent(r.rollForward)}`).join(' · ') || 'no opening balances'}`,
    );
  }
  for (const p of report.promises)
    lines.push('', `${p.creditorId} promises: ${p.made} made, ${p.resolved} resolved (${p.kept} kept, ${p.partial} partial, ${p.broken} broken), ${p.cancelled} cancelled, ${p.openAtEnd} open at the end; kept ${formatPercent(p.keptRate)}`);
  for (const c of report.contacts)
    lines.push('', `${c.creditorId} contacts (sent/suppressed/deferred/failed): ${c.channels.map((ch) => `${ch.channel} ${ch.sent}/${ch.suppressed}/${ch.deferred}/${ch.failed}`).join(' · ')}`);
  for (const creditorId of [...new Set(report.workQueue.map((w) => w.creditorId))])
    lines.push('', `${creditorId} work queue (made/completed/open at the end): ${report.workQueue.filter((w) => w.creditorId === creditorId).map((w) => `${w.kind} ${w.created}/${w.completed}/${w.openAtEnd}`).join(' · ')}`);
  return lines.join('\n') + '\n';
}

// ---- HTML ------------------------------------------------------------------------------------
function workQueueTable(report: PortfolioReport): string {
  if (report.workQueue.length === 0) return '<p class="note">Nothing was in the work queue during the period.</p>';
  const rows = report.workQueue.map((w) => `<tr><td>${esc(w.creditorId)}</td><td>${esc(w.kind.replace(/_/g, ' '))}</td><td class="num">${w.created}</td><td class="num">${w.completed}</td><td class="num">${w.openAtEnd}</td></tr>`).join('');
  return `<table><thead><tr><th scope="col">Creditor</th><th scope="col">Kind of work</th><th scope="col">Made</th><th scope="col">Completed</th><th scope="col">Open at the end</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const BUCKET_COLOURS: Record<RollDestination, string> = {
  current: '#2e7d32',
  '1-30': '#9e9d24',
  '31-60': '#f9a825',
  '61-90': '#ef6c00',
  '91-120': '#d84315',
  'over-120': '#b71c1c',
  paid: '#1565c0',
  'written-off': '#616161',
};
const CONTACT_COLOURS: Record<'sent' | 'deferred' | 'suppressed' | 'failed', string> = { sent: '#2e7d32', deferred: '#f9a825', suppressed: '#c62828', failed: '#757575' };

/** Pixel length of value on a scale where max is `width` (integer math; money is never a float). */
function barLength(value: number, max: number, width: number): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.max(1, scaleRatio({ numerator: value, denominator: max }, width));
}

function agingChart(group: PortfolioGroup): string {
  const labelWidth = 80;
  const barWidth = 360;
  const rowHeight = 34;
  const max = Math.max(1, ...AGING_BUCKETS.flatMap((b) => [group.opening.buckets[b].balanceMinor, group.closing.buckets[b].balanceMinor]));
  const height = AGING_BUCKETS.length * rowHeight + 30;
  const rows = AGING_BUCKETS.map((bucket, i) => {
    const y = i * rowHeight + 4;
    const open = group.opening.buckets[bucket];
    const close = group.closing.buckets[bucket];
    const ow = barLength(open.balanceMinor, max, barWidth);
    const cw = barLength(close.balanceMinor, max, barWidth);
    return [
      `<text x="${labelWidth - 8}" y="${y + 18}" text-anchor="end" class="lbl">${esc(bucket)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${ow}" height="12" fill="${BUCKET_COLOURS[bucket]}" fill-opacity="0.35"><title>${esc(`${bucket} at the opening: ${money(open.balanceMinor, group.currency)} (${open.debts} debts)`)}</title></rect>`,
      `<text x="${labelWidth + ow + 6}" y="${y + 10}" class="val">${esc(money(open.balanceMinor, group.currency))}</text>`,
      `<rect x="${labelWidth}" y="${y + 14}" width="${cw}" height="12" fill="${BUCKET_COLOURS[bucket]}"><title>${esc(`${bucket} at the closing: ${money(close.balanceMinor, group.currency)} (${close.debts} debts)`)}</title></rect>`,
      `<text x="${labelWidth + cw + 6}" y="${y + 24}" class="val">${esc(money(close.balanceMinor, group.currency))} (${close.debts})</text>`,
    ].join('');
  }).join('\n');
  const legendY = AGING_BUCKETS.length * rowHeight + 12;
  return `<svg class="chart" role="img" aria-label="${esc(`Aging of ${group.creditorId} ${group.currency}`)}" width="640" height="${height}" viewBox="0 0 640 ${height}">
${rows}
<rect x="${labelWidth}" y="${legendY}" width="12" height="10" fill="#888" fill-opacity="0.35"/><text x="${labelWidth + 16}" y="${legendY + 9}" class="val">opening (${esc(group.opening.asOf)})</text>
<rect x="${labelWidth + 190}" y="${legendY}" width="12" height="10" fill="#888"/><text x="${labelWidth + 206}" y="${legendY + 9}" class="val">closing (${esc(group.closing.asOf)}), debts in brackets</text>
</svg>`;
}

function rateGauge(label: string, value: Ratio | null): string {
  const width = 240;
  const filled = scaleRatio(value, width);
  return `<svg class="gauge" role="img" aria-label="${esc(`${label} ${formatPercent(value)}`)}" width="${width}" height="14" viewBox="0 0 ${width} 14"><rect x="0" y="0" width="${width}" height="14" fill="#e0e0e0"/><rect x="0" y="0" width="${filled}" height="14" fill="#1565c0"/></svg>`;
}

function figuresTable(group: PortfolioGroup): string {
  const k = group.collection;
  const m = (v: number) => esc(money(v, group.currency));
  return `<div class="figures">
<div class="figure"><div class="big">${esc(formatPercent(k.cei))}</div><div>CEI</div>${rateGauge('CEI', k.cei)}</div>
<div class="figure"><div class="big">${esc(formatPercent(k.collectionRate))}</div><div>collection rate</div>${rateGauge('collection rate', k.collectionRate)}</div>
</div>
<table class="num">
<tr><th>receivables at the opening (${esc(group.opening.asOf)})</th><td>${m(k.openingReceivablesMinor)}</td></tr>
<tr><th>+ charges, fees, interest in the period</th><td>${m(k.chargesMinor)}</td></tr>
<tr><th>payments applied</th><td>${m(k.paymentsMinor)}</td></tr>
<tr><th>− reversals (returned payments)</th><td>${m(k.reversalsMinor)}</td></tr>
<tr><th>= collected</th><td>${m(k.collectedMinor)}</td></tr>
<tr><th>written off</th><td>${m(k.writtenOffMinor)}</td></tr>
${k.adjustedMinor !== 0 ? `<tr><th>credits and adjustments</th><td>${m(k.adjustedMinor)}</td></tr>\n` : ''}<tr><th>receivables at the closing (${esc(group.closing.asOf)})</th><td>${m(k.closingReceivablesMinor)}</td></tr>
<tr><th>of which current (not yet due)</th><td>${m(k.closingCurrentMinor)}</td></tr>
</table>`;
}

function rollMatrix(group: PortfolioGroup): string {
  const rows = group.rollRates.filter((r) => r.openingMinor > 0);
  if (rows.length === 0) return '<p class="note">No balance at the opening, so nothing to roll.</p>';
  const head = `<tr><th>at the opening ↓ / at the closing →</th><th>opening balance</th>${ROLL_DESTINATIONS.map((d) => `<th>${esc(d)}</th>`).join('')}<th>rolled forward</th></tr>`;
  const body = rows
    .map((row) => {
      const cells = ROLL_DESTINATIONS.map((d) => {
        const share = row.shares[d];
        const alpha = scaleRatio(share, 100);
        // Shade by share: up to 60 % opacity of the destination's colour, so the text stays readable.
        const opacity = Math.floor((alpha * 153 + 50) / 100).toString(16).padStart(2, '0');
        const style = alpha > 0 ? ` style="background: ${BUCKET_COLOURS[d]}${opacity}"` : '';
        return `<td${style}>${row.to[d] === 0 ? '<span class="zero">—</span>' : `${esc(formatPercent(share))}<br><small>${esc(money(row.to[d], group.currency))}</small>`}</td>`;
      }).join('');
      return `<tr><th>${esc(row.from)}</th><td>${esc(money(row.openingMinor, group.currency))}<br><small>${row.debts} debt${row.debts === 1 ? '' : 's'}</small></td>${cells}<td><strong>${esc(row.from === 'over-120' ? '—' : formatPercent(row.rollForward))}</strong></td></tr>`;
    })
    .join('\n');
  return `<table class="matrix">\n${head}\n${body}\n</table>`;
}

function promisesBlock(p: PromiseFigures): string {
  const width = 360;
  const parts: Array<[string, number, string]> = [
    ['kept', p.kept, '#2e7d32'],
    ['partial', p.partial, '#f9a825'],
    ['broken', p.broken, '#c62828'],
  ];
  let x = 0;
  const bars = parts
    .map(([label, n, colour]) => {
      const w = p.resolved === 0 ? 0 : scaleRatio({ numerator: n, denominator: p.resolved }, width);
      const rect = `<rect x="${x}" y="0" width="${w}" height="18" fill="${colour}"><title>${esc(`${label}: ${n}`)}</title></rect>`;
      x += w;
      return rect;
    })
    .join('');
  return `<h3>${esc(p.creditorId)}: promises to pay</h3>
<div class="figures"><div class="figure"><div class="big">${esc(formatPercent(p.keptRate))}</div><div>kept (${p.kept} of ${p.resolved} resolved)</div></div></div>
<svg class="chart" role="img" aria-label="${esc(`promises kept ${p.kept}, partial ${p.partial}, broken ${p.broken}`)}" width="${width}" height="18" viewBox="0 0 ${width} 18"><rect x="0" y="0" width="${width}" height="18" fill="#e0e0e0"/>${bars}</svg>
<table class="num"><tr><th>made in the period</th><td>${p.made}</td></tr><tr><th>kept</th><td>${p.kept}</td></tr><tr><th>partly kept</th><td>${p.partial}</td></tr><tr><th>broken</th><td>${p.broken}</td></tr><tr><th>cancelled</th><td>${p.cancelled}</td></tr><tr><th>open at the end</th><td>${p.openAtEnd}</td></tr></table>`;
}

function contactsBlock(creditorId: string, channels: ChannelFigures[]): string {
  const labelWidth = 70;
  const barWidth = 380;
  const rowHeight = 26;
  const measures = ['sent', 'deferred', 'suppressed', 'failed'] as const;
  const total = (c: ChannelFigures) => c.sent + c.deferred + c.suppressed + c.failed;
  const max = Math.max(1, ...channels.map(total));
  const height = channels.length * rowHeight + 24;
  const rows = channels
    .map((c, i) => {
      const y = i * rowHeight;
      let x = labelWidth;
      const rects = measures
        .map((measure) => {
          const w = barLength(c[measure], max, barWidth);
          const rect = w > 0 ? `<rect x="${x}" y="${y}" width="${w}" height="18" fill="${CONTACT_COLOURS[measure]}"><title>${esc(`${c.channel} ${measure}: ${c[measure]}`)}</title></rect>` : '';
          x += w;
          return rect;
        })
        .join('');
      return `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end" class="lbl">${esc(c.channel)}</text>${rects}<text x="${x + 6}" y="${y + 14}" class="val">${total(c)}</text>`;
    })
    .join('\n');
  const legendY = channels.length * rowHeight + 8;
  const legend = measures.map((m, i) => `<rect x="${labelWidth + i * 100}" y="${legendY}" width="12" height="10" fill="${CONTACT_COLOURS[m]}"/><text x="${labelWidth + i * 100 + 16}" y="${legendY + 9}" class="val">${m}</text>`).join('');
  const table = `<table class="num"><tr><th>channel</th>${measures.map((m) => `<th>${m}</th>`).join('')}</tr>${channels.map((c) => `<tr><th>${esc(c.channel)}</th>${measures.map((m) => `<td>${c[m]}</td>`).join('')}</tr>`).join('')}</table>`;
  return `<h3>${esc(creditorId)}: contacts per channel</h3>
<svg class="chart" role="img" aria-label="${esc(`contacts per channel for ${creditorId}`)}" width="560" height="${height}" viewBox="0 0 560 ${height}">
${rows}
${legend}
</svg>
${table}`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; border-bottom: 2px solid #1565c0; padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 15px; margin: 20px 0 8px; } .sub, .note { color: #616161; }
.figures { display: flex; gap: 32px; margin: 8px 0 12px; } .figure .big { font-size: 28px; font-weight: 600; color: #1565c0; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 4px 10px; border-bottom: 1px solid #e0e0e0; text-align: left; vertical-align: top; }
table.num td { text-align: right; font-variant-numeric: tabular-nums; }
table.matrix td { text-align: center; font-variant-numeric: tabular-nums; min-width: 64px; } table.matrix small { color: #424242; }
.zero { color: #bdbdbd; } svg.chart { display: block; margin: 6px 0; } svg.gauge { display: block; margin-top: 4px; }
svg text.lbl { font-size: 12px; fill: #212121; } svg text.val { font-size: 11px; fill: #424242; }
@media print { h2 { page-break-before: auto; } }
`;

/** One self-contained page: inline CSS and SVG, no script, no external reference. */
export function portfolioReportHtml(report: PortfolioReport): string {
  const { period } = report;
  const title = `Portfolio report ${period.from} – ${period.to}`;
  const groups = report.groups
    .map(
      (g) => `<section>
<h2>${esc(g.creditorId)} · ${esc(g.currency)}</h2>
<h3>Collection effectiveness</h3>
${figuresTable(g)}
<h3>Aging (days past each debt's due date)</h3>
${agingChart(g)}
<h3>Roll rates (share of each opening bucket's balance, by where it sits at the closing)</h3>
${rollMatrix(g)}
</section>`,
    )
    .join('\n');
  const promises = report.promises.map(promisesBlock).join('\n');
  const contacts = report.contacts.map((c) => contactsBlock(c.creditorId, c.channels)).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">${esc(scopeLabel(report))} · days ${esc(period.from)} to ${esc(period.to)} included (UTC) · opening balances as of the close of ${esc(period.openingAsOf)}, closing as of the close of ${esc(period.closingAsOf)} · amounts never added across currencies</p>
${groups || '<p class="note">No receivables in the ledger for this period.</p>'}
<section>
<h2>Promises to pay</h2>
${promises || '<p class="note">No promises open during the period.</p>'}
</section>
<section>
<h2>Contacts and suppressions</h2>
${contacts || '<p class="note">No contacts in the period.</p>'}
</section>
<section>
<h2>Work queue</h2>
${workQueueTable(report)}
</section>
<p class="note">CEI = (opening receivables + charges − closing receivables) ÷ (opening receivables + charges − closing current receivables) × 100.
Collection rate = (payments applied − reversals) ÷ (opening receivables + charges).
Promises kept = kept ÷ (kept + partial + broken) resolved in the period.
Contacts: sent = delivered messages and call tasks created; suppressed and deferred = decisions of the contact-policy gate; failed = allowed but never delivered.</p>
</body>
</html>
`;
}

/** The report in the chosen format. */
export function renderPortfolioReport(report: PortfolioReport, format: PortfolioFormat): string {
  switch (format) {
    case 'csv':
      return portfolioReportCsv(report);
    case 'html':
      return portfolioReportHtml(report);
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'text':
      return portfolioReportText(report);
  }
}
