import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type PDFDocument from 'pdfkit';
import type { DocumentBase, PostalAddress } from './types.js';

/**
 * DejaVu Sans covers Polish and Cyrillic; pdfkit's built-in fonts do not (Ł and Ж come out
 * wrong). Paths resolve through the package, never an absolute path.
 */
const require = createRequire(import.meta.url);
let pdfkit: typeof PDFDocument | undefined;
/**
 * pdfkit (with fontkit and its brotli decoder) takes ~0.5 s to load: it is loaded on the first
 * document, not when the server starts (issue 19, item 6).
 */
export function pdfDocumentClass(): typeof PDFDocument {
  return (pdfkit ??= require('pdfkit') as typeof PDFDocument);
}
export const FONT_REGULAR_PATH = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
export const FONT_BOLD_PATH = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

interface ParsedFont {
  characterSet: number[];
  glyphForCodePoint(cp: number): unknown;
}
type FontSource = Buffer | ParsedFont;

/**
 * fontkit caches glyph objects by id and keeps the code points of whoever asked first. A
 * glyph first fetched without them (subsetting reads composite glyphs' components by id)
 * then has none in every later document, and the PDF's ToUnicode maps it to nothing: the
 * text prints but copies and searches wrong ("ь" read back as "_"; pdf.test.ts reproduces
 * it). Asking for every mapped code point up front pins the right ones.
 */
function warmed(font: ParsedFont): ParsedFont {
  for (const cp of font.characterSet) font.glyphForCodePoint(cp);
  return font;
}
let fonts: { regular: FontSource; bold: FontSource } | undefined;

/**
 * Fonts parsed once per process. pdfkit would otherwise re-parse the 700 KB TTF in every
 * document (measured: ~56 ms of a ~63 ms text-only label). It accepts a parsed fontkit font,
 * so we parse with the fontkit that pdfkit itself depends on (resolved from pdfkit's folder,
 * not a dependency of ours). Sharing is safe: each document still makes its own subset.
 */
function fontData(): { regular: FontSource; bold: FontSource } {
  if (fonts) return fonts;
  const regular = readFileSync(FONT_REGULAR_PATH);
  const bold = readFileSync(FONT_BOLD_PATH);
  try {
    const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(data: Uint8Array): ParsedFont };
    fonts = { regular: warmed(fontkit.create(regular)), bold: warmed(fontkit.create(bold)) };
  } catch {
    fonts = { regular, bold };
  }
  return fonts;
}

export const REGULAR = 'DejaVuSans';
export const BOLD = 'DejaVuSans-Bold';
export const MM = 72 / 25.4;

export interface OpenDocument {
  doc: PDFKit.PDFDocument;
  /** Ends the document and resolves with its bytes. */
  finish(): Promise<Buffer>;
}

export function openDocument(
  base: DocumentBase,
  options: { size: [number, number] | string; margin: number; title: string; bufferPages?: boolean },
): OpenDocument {
  const info: PDFKit.DocumentInfo = { Title: options.title, Creator: 'Ordo', Producer: 'Ordo (pdfkit)' };
  if (base.createdAt) info.CreationDate = new Date(base.createdAt);
  const doc = new (pdfDocumentClass())({
    size: options.size,
    margin: options.margin,
    bufferPages: options.bufferPages ?? false,
    info,
    lang: base.locale,
    autoFirstPage: true,
  });
  const { regular, bold } = fontData();
  // pdfkit's types list only paths and bytes, but it takes a parsed fontkit font too.
  doc.registerFont(REGULAR, regular as Buffer);
  doc.registerFont(BOLD, bold as Buffer);
  doc.font(REGULAR);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return {
    doc,
    finish: () => {
      doc.end();
      return done;
    },
  };
}

/** Address as printable lines, name first. */
export function addressLines(postalAddress: PostalAddress, tel?: string): string[] {
  const out = [postalAddress.name];
  if (postalAddress.company) out.push(postalAddress.company);
  out.push(...postalAddress.lines, `${postalAddress.postalCode} ${postalAddress.city}`, postalAddress.country);
  if (postalAddress.phone && tel) out.push(`${tel} ${postalAddress.phone}`);
  return out;
}

/** Single-line text that never wraps or adds a page: too long ends in an ellipsis. */
export function line(
  doc: PDFKit.PDFDocument,
  str: string,
  posX: number,
  posY: number,
  opts: { width: number; size: number; bold?: boolean; align?: 'left' | 'center' | 'right' },
): void {
  doc.font(opts.bold ? BOLD : REGULAR).fontSize(opts.size);
  doc.text(str, posX, posY, {
    width: opts.width,
    height: opts.size * 1.3,
    ellipsis: true,
    lineBreak: false,
    align: opts.align ?? 'left',
  });
}

/** Wrapped text in a box of at most `maxLines` lines; returns the height used. */
export function block(
  doc: PDFKit.PDFDocument,
  str: string,
  posX: number,
  posY: number,
  opts: { width: number; size: number; bold?: boolean; maxLines?: number },
): number {
  doc.font(opts.bold ? BOLD : REGULAR).fontSize(opts.size);
  const full = doc.heightOfString(str, { width: opts.width });
  const cap = opts.maxLines ? doc.currentLineHeight(true) * opts.maxLines : full;
  const height = Math.min(full, cap);
  doc.text(str, posX, posY, { width: opts.width, height: height + 0.5, ellipsis: true });
  return height;
}

/** Caption over a framed block of lines (From / To / Consignor …); returns the bottom y. */
export function captionedLines(
  doc: PDFKit.PDFDocument,
  caption: string,
  lines: string[],
  posX: number,
  posY: number,
  opts: { width: number; size: number; boldFirst?: boolean; captionSize?: number },
): number {
  const capSize = opts.captionSize ?? Math.max(6, opts.size - 2);
  doc.fillColor('#555555');
  line(doc, caption.toUpperCase(), posX, posY, { width: opts.width, size: capSize });
  doc.fillColor('black');
  let cy = posY + capSize * 1.35;
  lines.forEach((label, index) => {
    const bold = index === 0 && opts.boldFirst !== false;
    line(doc, label, posX, cy, { width: opts.width, size: opts.size, bold });
    cy += opts.size * 1.25;
  });
  return cy;
}

/**
 * Lays rows out down the page, starting a new page (and redrawing the header) when the next
 * row would cross the bottom margin. Returns the y after the last row.
 */
export function layoutRows<T>(
  doc: PDFKit.PDFDocument,
  rows: readonly T[],
  opts: {
    startY: number;
    /** Draws the column header at y on a page; returns the y where rows start. */
    header: (posY: number, continued: boolean) => number;
    heightOf: (row: T) => number;
    draw: (row: T, posY: number, index: number) => void;
  },
): number {
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  let posY = opts.header(opts.startY, false);
  rows.forEach((row, index) => {
    const height = opts.heightOf(row);
    if (posY + height > bottom()) {
      doc.addPage();
      posY = opts.header(doc.page.margins.top, true);
    }
    opts.draw(row, posY, index);
    posY += height;
  });
  return posY;
}

/** Starts a new page unless `needed` points still fit above the bottom margin; returns y. */
export function ensureSpace(doc: PDFKit.PDFDocument, posY: number, needed: number): number {
  if (posY + needed <= doc.page.height - doc.page.margins.bottom) return posY;
  doc.addPage();
  return doc.page.margins.top;
}

/** Writes "Page n of m" (and an optional left-hand text) in the bottom margin of every buffered page. */
export function pageFooters(
  doc: PDFKit.PDFDocument,
  pageCaption: (count: number, minutes: number) => string,
  left?: string,
  /** The document's first page in a file of several documents (each counts its own pages). */
  fromPage?: number,
): void {
  const range = doc.bufferedPageRange();
  const first = fromPage ?? range.start;
  const count = range.start + range.count - first;
  for (let index = first; index < range.start + range.count; index++) {
    doc.switchToPage(index);
    const { margins } = doc.page;
    const saved = margins.bottom;
    // Writing inside the bottom margin would make pdfkit add a page; lift the margin meanwhile.
    margins.bottom = 0;
    const posY = doc.page.height - saved + 12;
    const width = doc.page.width - margins.left - margins.right;
    if (left) line(doc, left, margins.left, posY, { width: width / 2, size: 8 });
    line(doc, pageCaption(index - first + 1, count), margins.left, posY, { width, size: 8, align: 'right' });
    margins.bottom = saved;
  }
}

/** An empty square for a tick. */
export function checkbox(doc: PDFKit.PDFDocument, posX: number, posY: number, size: number): void {
  doc.save().lineWidth(1).rect(posX, posY, size, size).stroke().restore();
}

export function rule(doc: PDFKit.PDFDocument, x1: number, x2: number, posY: number, width = 0.75): void {
  doc.save().lineWidth(width).moveTo(x1, posY).lineTo(x2, posY).stroke().restore();
}
