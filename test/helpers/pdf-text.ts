/**
 * Reads a PDF back the way a viewer does, with Mozilla's pdf.js (the npm package pdfjs-dist, so
 * the suite needs no system PDF tools): the text of every page in reading order, where each piece
 * of text sits, the document information, and every warning pdf.js printed while it had to repair
 * or guess something.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

export interface PdfTextItem {
  page: number;
  str: string;
  /** Left and right edges and baseline, in PDF units (1/72 inch) from the bottom-left corner. */
  x: number;
  right: number;
  y: number;
}

export interface PdfReading {
  /** Every page's lines, pages separated by form feeds ("\f"), as pdftotext prints them. */
  text: string;
  pages: string[];
  items: PdfTextItem[];
  info: { title: string | null; creationDate: string | null; pageCount: number };
  warnings: string[];
}

interface PdfJs {
  getDocument(options: { data: Uint8Array; verbosity: number; isEvalSupported: boolean; useSystemFonts: boolean; standardFontDataUrl: string }): { promise: Promise<PdfDocument> };
}
interface PdfDocument {
  numPages: number;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: { str?: string; transform?: number[]; width?: number }[] }> }>;
  getMetadata(): Promise<{ info: Record<string, unknown> }>;
  destroy(): Promise<void>;
}

// pdfjs-dist is an ES module without top-level await: Node 20.19+ loads it with require().
const load = createRequire(__filename);
const pdfjs = (): PdfJs => load('pdfjs-dist/legacy/build/pdf.mjs') as PdfJs;
/** The metrics of the 14 standard fonts (Helvetica among them), which pdf.js needs to place text. */
const STANDARD_FONTS = join(dirname(load.resolve('pdfjs-dist/package.json')), 'standard_fonts') + sep;

export async function readPdf(pdf: Buffer): Promise<PdfReading> {
  const warnings: string[] = [];
  const original = console.warn;
  // pdf.js reports what it had to repair through console.warn("Warning: …") at verbosity 1.
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    const document = await pdfjs().getDocument({ data: new Uint8Array(pdf), verbosity: 1, isEvalSupported: false, useSystemFonts: false, standardFontDataUrl: STANDARD_FONTS }).promise;
    try {
      const items: PdfTextItem[] = [];
      const pages: string[] = [];
      for (let n = 1; n <= document.numPages; n++) {
        const content = await (await document.getPage(n)).getTextContent();
        const pageItems = content.items
          .filter((i): i is { str: string; transform: number[]; width: number } => typeof i.str === 'string' && Array.isArray(i.transform) && i.str !== '')
          .map((i) => ({ page: n, str: i.str, x: i.transform[4]!, right: i.transform[4]! + i.width, y: i.transform[5]! }));
        items.push(...pageItems);
        pages.push(layoutLines(pageItems).join('\n') + '\n');
      }
      const { info } = await document.getMetadata();
      return {
        text: pages.map((p) => `${p}\f`).join(''),
        pages,
        items,
        info: { title: typeof info.Title === 'string' ? info.Title : null, creationDate: typeof info.CreationDate === 'string' ? info.CreationDate : null, pageCount: document.numPages },
        warnings,
      };
    } finally {
      await document.destroy();
    }
  } finally {
    console.warn = original;
  }
}

/** Lines top to bottom (items whose baselines are within 2 units), pieces left to right, a space where there is a gap. */
function layoutLines(items: PdfTextItem[]): string[] {
  const lines: { y: number; items: PdfTextItem[] }[] = [];
  for (const item of [...items].sort((a, b) => b.y - a.y || a.x - b.x)) {
    const line = lines.find((l) => Math.abs(l.y - item.y) <= 2);
    if (line) line.items.push(item);
    else lines.push({ y: item.y, items: [item] });
  }
  return lines.map((line) => {
    const sorted = line.items.sort((a, b) => a.x - b.x);
    let text = '';
    let end = -Infinity;
    for (const item of sorted) {
      if (text !== '' && item.x - end > 1) text += ' ';
      text += item.str;
      end = item.right;
    }
    return text;
  });
}
