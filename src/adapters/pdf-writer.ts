/**
 * A small PDF 1.4 writer for the documents collectors print: letters and placement packets.
 * No library: the standard Helvetica fonts (every reader has them, nothing is embedded), WinAnsi
 * text, word wrap, tables, page breaks and a "page N of M" footer. The bytes are a pure function
 * of the input (no clock, no random /ID), so a retried activity produces the same file.
 */

export interface PdfTableColumn {
  header: string;
  /** 'right' for amounts and counts, so digits line up. */
  align?: 'left' | 'right';
}

export type PdfBlock =
  | { kind: 'heading'; text: string; level?: 1 | 2 }
  /** Wrapped to the page width; '\n' forces a line break (address blocks). */
  | { kind: 'paragraph'; text: string; size?: number; bold?: boolean }
  /** A horizontal rule across the text width. */
  | { kind: 'line' }
  /** Cells wrap inside their column; the header row repeats on every page the table runs onto. */
  | { kind: 'table'; columns: PdfTableColumn[]; rows: string[][]; size?: number };

export interface PdfDocument {
  /** Goes into the document information (/Title); headings are what is printed. */
  title: string;
  blocks: PdfBlock[];
  /** Printed at the bottom left of every page, next to "page N of M". */
  footer?: string;
  /** createdAt is ISO 8601 with a zone (or a bare date, read as UTC) and supplied by the caller, never the clock. */
  metadata?: { author?: string; subject?: string; createdAt?: string };
}

const PAGE_WIDTH = 612; // US Letter, in points
const PAGE_HEIGHT = 792;
const MARGIN = 72;
const TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const TOP = PAGE_HEIGHT - MARGIN;
const BOTTOM = MARGIN; // the footer sits below this, at FOOTER_BASELINE
const FOOTER_BASELINE = 40;
const FOOTER_SIZE = 8;
const BODY_SIZE = 10;
const TABLE_SIZE = 9;
const CELL_PADDING = 4;
const leadingOf = (size: number) => size * 1.3;

// Advance widths (1/1000 em) of WinAnsi codes 32-255, from Adobe's Helvetica and Helvetica-Bold AFM files.
// prettier-ignore
const HELVETICA = [
  278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,556,556,278,278,584,584,584,556,
  1015,667,667,722,722,667,611,778,722,278,500,667,556,833,722,778,667,778,722,667,611,722,667,944,667,667,611,278,278,278,469,556,
  333,556,556,500,556,556,278,556,556,222,222,500,222,833,556,556,556,556,333,500,278,556,500,722,500,500,500,334,260,334,584,350,
  556,350,222,556,333,1000,556,556,333,1000,667,333,1000,350,611,350,350,222,222,333,333,350,556,1000,333,1000,500,333,944,350,500,667,
  278,333,556,556,556,556,260,556,333,737,370,556,584,333,737,333,400,584,333,333,333,556,537,278,333,333,365,556,834,834,834,611,
  667,667,667,667,667,667,1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,
  556,556,556,556,556,556,889,500,556,556,556,556,278,278,278,278,556,556,556,556,556,556,556,584,611,556,556,556,556,500,556,500,
];
// prettier-ignore
const HELVETICA_BOLD = [
  278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,556,556,333,333,584,584,584,611,
  975,722,722,722,722,667,611,778,722,278,556,722,611,833,722,778,667,778,722,667,611,722,667,944,667,667,611,333,278,333,584,556,
  333,556,611,556,611,556,333,611,611,278,278,556,278,889,611,611,611,611,389,556,333,611,556,778,556,556,500,389,280,389,584,350,
  556,350,278,556,500,1000,556,556,333,1000,667,333,1000,350,611,350,350,278,278,500,500,350,556,1000,333,1000,556,333,944,350,500,667,
  278,333,556,556,556,556,280,556,333,737,370,556,584,333,737,333,400,584,333,333,333,611,556,278,333,333,365,556,834,834,834,611,
  722,722,722,722,722,722,1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,
  556,556,556,556,556,556,889,556,556,556,556,556,278,278,278,278,611,611,611,611,611,611,611,584,611,611,611,611,611,556,611,556,
];

// WinAnsi is Latin-1 except 0x80-0x9F, which hold typographic characters (smart quotes, dashes, euro).
// prettier-ignore
const WIN_ANSI_80_9F = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];
const WIN_ANSI_BYTE = new Map(WIN_ANSI_80_9F.flatMap((codePoint, i) => (codePoint ? [[codePoint, 0x80 + i] as const] : [])));

/** A line of text as WinAnsi bytes, one char per byte. NFC first, so an e typed with a combining accent still maps. */
function toWinAnsi(text: string): string {
  let bytes = '';
  for (const char of text.normalize('NFC')) {
    const codePoint = char.codePointAt(0)!;
    const high = WIN_ANSI_BYTE.get(codePoint);
    if ((codePoint >= 0x20 && codePoint < 0x7f) || (codePoint >= 0xa0 && codePoint <= 0xff)) bytes += char;
    else if (high !== undefined) bytes += String.fromCharCode(high);
    else if (codePoint === 0x202f || codePoint === 0x2007) bytes += '\u00a0'; // narrow and figure spaces (Intl output) stay non-breaking
    else if (codePoint === 0x09 || (codePoint >= 0x2000 && codePoint <= 0x200a)) bytes += ' ';
    else if (codePoint === 0x2010 || codePoint === 0x2011 || codePoint === 0x2212) bytes += '-';
    else bytes += '?';
  }
  return bytes;
}

function widthOf(bytes: string, size: number, bold: boolean): number {
  const widths = bold ? HELVETICA_BOLD : HELVETICA;
  let units = 0;
  for (let i = 0; i < bytes.length; i++) units += widths[bytes.charCodeAt(i) - 32] ?? 0;
  return (units * size) / 1000;
}

/** Splits text into WinAnsi lines no wider than `width`: at spaces, and inside words longer than a line (URLs). */
function wrap(text: string, width: number, size: number, bold: boolean): string[] {
  const lines: string[] = [];
  for (const hardLine of text.split(/\r?\n/)) {
    let line = '';
    for (const word of toWinAnsi(hardLine).split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (widthOf(candidate, size, bold) <= width) {
        line = candidate;
        continue;
      }
      // A word wider than a whole line (a URL) starts right here and is cut where the line ends.
      const longWord = widthOf(word, size, bold) > width;
      if (line !== '' && !longWord) lines.push(line);
      line = longWord ? candidate : word;
      while (line.length > 1 && widthOf(line, size, bold) > width) {
        let cut = line.length - 1;
        while (cut > 1 && widthOf(line.slice(0, cut), size, bold) > width) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    lines.push(line);
  }
  return lines;
}

/** A PDF literal string: parentheses and backslash escaped, every byte outside ASCII as an octal escape. */
function literal(bytes: string): string {
  let out = '(';
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes.charCodeAt(i);
    if (code === 0x28 || code === 0x29 || code === 0x5c) out += `\\${bytes[i]}`;
    else if (code < 0x20 || code > 0x7e) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += bytes[i];
  }
  return `${out})`;
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Places blocks top to bottom, starting a page whenever the next line or table row would cross the bottom margin. */
class Layout {
  readonly pages: string[][] = [[]];
  private y = TOP; // top of the next line's box

  private get atTop() {
    return this.y === TOP;
  }

  private ensureRoom(height: number) {
    if (this.y - height >= BOTTOM || this.atTop) return false;
    this.pages.push([]);
    this.y = TOP;
    return true;
  }

  /** One line of text whose box starts `top` points from the page bottom; the baseline sits one font size lower. */
  private draw(x: number, top: number, size: number, bold: boolean, bytes: string) {
    if (bytes === '') return;
    this.pages[this.pages.length - 1]!.push(`BT /${bold ? 'F2' : 'F1'} ${num(size)} Tf ${num(x)} ${num(top - size)} Td ${literal(bytes)} Tj ET`);
  }

  private rule(width: number) {
    this.pages[this.pages.length - 1]!.push(`${num(width)} w ${MARGIN} ${num(this.y)} m ${MARGIN + TEXT_WIDTH} ${num(this.y)} l S`);
  }

  heading(text: string, level: 1 | 2) {
    const size = level === 1 ? 15 : 12;
    // Keep a heading with at least two lines of what follows it.
    this.ensureRoom(size * 0.8 + leadingOf(size) + 2 * leadingOf(BODY_SIZE));
    if (!this.atTop) this.y -= size * 0.8;
    this.lines(wrap(text, TEXT_WIDTH, size, true), size, true);
    this.y -= size * 0.3;
  }

  paragraph(text: string, size: number, bold: boolean) {
    this.lines(wrap(text, TEXT_WIDTH, size, bold), size, bold);
    this.y -= size * 0.5;
  }

  private lines(lines: string[], size: number, bold: boolean) {
    for (const line of lines) {
      this.ensureRoom(leadingOf(size));
      this.draw(MARGIN, this.y, size, bold, line);
      this.y -= leadingOf(size);
    }
  }

  line() {
    this.ensureRoom(12);
    this.y -= 4;
    this.rule(0.5);
    this.y -= 8;
  }

  table(columns: PdfTableColumn[], rows: string[][], size: number) {
    if (columns.length === 0) return;
    const widths = columnWidths(columns, rows, size);
    const leading = leadingOf(size);
    const wrapRow = (cells: string[], bold: boolean) => widths.map((w, c) => wrap(cells[c] ?? '', w - 2 * CELL_PADDING, size, bold));
    const header = wrapRow(columns.map((c) => c.header), true);
    const heightOf = (cells: string[][]) => Math.max(1, ...cells.map((lines) => lines.length)) * leading;
    const drawRow = (cells: string[][], bold: boolean) => {
      let x = MARGIN;
      cells.forEach((lines, c) => {
        const width = widths[c]!;
        lines.forEach((line, i) => {
          const left = columns[c]!.align === 'right' ? x + width - CELL_PADDING - widthOf(line, size, bold) : x + CELL_PADDING;
          this.draw(left, this.y - i * leading, size, bold, line);
        });
        x += width;
      });
      this.y -= heightOf(cells);
    };
    const drawHeader = () => {
      drawRow(header, true);
      this.rule(0.5);
      this.y -= 2;
    };
    const body = rows.map((cells) => wrapRow(cells, false));
    this.ensureRoom(heightOf(header) + 2 + heightOf(body[0] ?? [[]]));
    drawHeader();
    for (const cells of body) {
      if (this.ensureRoom(heightOf(cells))) drawHeader();
      drawRow(cells, false);
    }
    this.y -= size * 0.8;
  }
}

/**
 * Widths from the content: a table narrower than the page is spread to the text width; a wider one
 * keeps its right-aligned (numeric) columns whole and narrows the widest text columns, which then wrap.
 */
function columnWidths(columns: PdfTableColumn[], rows: string[][], size: number): number[] {
  const widest = (texts: string[], bold: boolean) =>
    Math.max(0, ...texts.flatMap((t) => t.split(/\r?\n/)).map((line) => widthOf(toWinAnsi(line), size, bold)));
  const natural = columns.map((column, c) => Math.max(widest([column.header], true), widest(rows.map((row) => row[c] ?? ''), false)) + 2 * CELL_PADDING);
  const total = natural.reduce((a, b) => a + b, 0);
  const fixed = natural.reduce((sum, w, c) => sum + (columns[c]!.align === 'right' ? w : 0), 0);
  if (total <= TEXT_WIDTH || fixed > TEXT_WIDTH * 0.75) return natural.map((w) => (w * TEXT_WIDTH) / total);
  const flexible = natural.filter((_, c) => columns[c]!.align !== 'right').sort((a, b) => a - b);
  let remaining = TEXT_WIDTH - fixed;
  let cap = Infinity;
  for (let i = 0; i < flexible.length; i++) {
    const share = remaining / (flexible.length - i);
    if (flexible[i]! > share) {
      cap = share;
      break;
    }
    remaining -= flexible[i]!;
  }
  return natural.map((w, c) => (columns[c]!.align === 'right' ? w : Math.min(w, cap)));
}

function footerOperators(footer: string | undefined, page: number, pageCount: number): string[] {
  const label = toWinAnsi(`page ${page} of ${pageCount}`);
  const labelWidth = widthOf(label, FOOTER_SIZE, false);
  const ops = [`BT /F1 ${FOOTER_SIZE} Tf ${num(MARGIN + TEXT_WIDTH - labelWidth)} ${FOOTER_BASELINE} Td ${literal(label)} Tj ET`];
  if (footer) {
    let text = toWinAnsi(footer.replace(/\s+/g, ' '));
    while (text.length > 0 && widthOf(text, FOOTER_SIZE, false) > TEXT_WIDTH - labelWidth - 12) text = text.slice(0, -1);
    ops.push(`BT /F1 ${FOOTER_SIZE} Tf ${MARGIN} ${FOOTER_BASELINE} Td ${literal(text)} Tj ET`);
  }
  return ops;
}

/** Document information strings are Unicode text: UTF-16BE with a byte-order mark, written in hex. */
function textString(text: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `<${hex}>`;
}

function pdfDate(iso: string): string {
  // A date-time without a zone would be read in the machine's zone: different bytes on different hosts.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(iso) || Number.isNaN(Date.parse(iso)))
    throw new RangeError(`metadata.createdAt must be an ISO date or a date-time with a zone, got "${iso}"`);
  return `D:${new Date(iso).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function infoDictionary(doc: PdfDocument): string {
  const { author, subject, createdAt } = doc.metadata ?? {};
  const entries = [`/Title ${textString(doc.title)}`, '/Producer (dunning pdf-writer)'];
  if (author) entries.push(`/Author ${textString(author)}`);
  if (subject) entries.push(`/Subject ${textString(subject)}`);
  if (createdAt) entries.push(`/CreationDate (${pdfDate(createdAt)})`, `/ModDate (${pdfDate(createdAt)})`);
  return `<< ${entries.join(' ')} >>`;
}

/** Objects numbered from 1, each at a recorded byte offset, then the xref table and trailer that point at them. */
function serialize(objects: string[]): Buffer {
  // Every char below is one byte in latin1, so string length is the byte offset.
  let pdf = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n'; // the binary comment tells transfer tools not to treat the file as text
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefOffset = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

export function renderTextPdf(doc: PdfDocument): Buffer {
  const layout = new Layout();
  for (const block of doc.blocks) {
    if (block.kind === 'heading') layout.heading(block.text, block.level ?? 1);
    else if (block.kind === 'paragraph') layout.paragraph(block.text, block.size ?? BODY_SIZE, block.bold ?? false);
    else if (block.kind === 'line') layout.line();
    else layout.table(block.columns, block.rows, block.size ?? TABLE_SIZE);
  }
  const pageCount = layout.pages.length;
  // Objects 1-5 are fixed; page i is object 6 + 2i and its content stream the one after it.
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${layout.pages.map((_, i) => `${6 + 2 * i} 0 R`).join(' ')}] /Count ${pageCount} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    infoDictionary(doc),
  ];
  layout.pages.forEach((operators, i) => {
    const content = [...operators, ...footerOperators(doc.footer, i + 1, pageCount)].join('\n');
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${7 + 2 * i} 0 R >>`,
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    );
  });
  return serialize(objects);
}
