import { createRequire } from 'node:module';
import type bwipjs from 'bwip-js';

let loaded: typeof bwipjs | undefined;
/** bwip-js, loaded on the first barcode rather than at start (~0.15 s). */
export function bwip(): typeof bwipjs {
  return (loaded ??= createRequire(import.meta.url)('bwip-js') as typeof bwipjs);
}

/**
 * Barcodes as module geometry from bwip-js (Barcode Writer in Pure PostScript), drawn into
 * the PDF as vector rectangles. Vectors print sharp at any printer resolution and cost a
 * third of rendering PNGs (measured in bench/docs.ts). The human-readable text is printed
 * by the document in DejaVu, so it can be read back from the PDF.
 * Inputs are validated by the document schemas before they reach here.
 */

/** Bars of a linear symbol, in modules (narrowest bar width) from its left edge. */
export interface LinearBarcode {
  kind: 'linear';
  bars: { x: number; width: number }[];
  /** Total width in modules, bars and spaces. */
  modules: number;
}

/** Dark runs of a 2D symbol, in modules from its top-left corner. */
export interface MatrixBarcode {
  kind: 'matrix';
  columns: number;
  rows: number;
  runs: { x: number; y: number; width: number }[];
}

function linear(bcid: string, text: string): LinearBarcode {
  const [sym] = bwip().raw({ bcid, text }) as { sbs: number[] }[];
  if (!sym?.sbs) throw new Error(`bwip-js returned no bars for ${bcid}`);
  const bars: LinearBarcode['bars'] = [];
  let posX = 0;
  // sbs alternates bar, space, bar … widths in modules, starting with a bar.
  sym.sbs.forEach((sb, index) => {
    if (index % 2 === 0) bars.push({ x: posX, width: sb });
    posX += sb;
  });
  return { kind: 'linear', bars, modules: posX };
}

export function code128(text: string): LinearBarcode {
  return linear('code128', text);
}

/** GS1-128 with application identifier (00): FNC1, AI 00 and the 18-digit SSCC. */
export function ssccBarcode(sscc: string): LinearBarcode {
  return linear('gs1-128', `(00)${sscc}`);
}

export function qrCode(text: string): MatrixBarcode {
  const [sym] = bwip().raw({ bcid: 'qrcode', text }) as { pixs: number[]; pixx: number; pixy: number }[];
  if (!sym?.pixs) throw new Error('bwip-js returned no modules for qrcode');
  const runs: MatrixBarcode['runs'] = [];
  for (let posY = 0; posY < sym.pixy; posY++) {
    let start = -1;
    for (let posX = 0; posX <= sym.pixx; posX++) {
      const dark = posX < sym.pixx && sym.pixs[posY * sym.pixx + posX] === 1;
      if (dark && start < 0) start = posX;
      if (!dark && start >= 0) {
        runs.push({ x: start, y: posY, width: posX - start });
        start = -1;
      }
    }
  }
  return { kind: 'matrix', columns: sym.pixx, rows: sym.pixy, runs };
}

/** Number of rectangles `draw` paints for a symbol: what tests count in the PDF. */
export function rectangleCount(code: LinearBarcode | MatrixBarcode): number {
  return code.kind === 'linear' ? code.bars.length : code.runs.length;
}

/** Quiet zones in modules: Code128/GS1-128 need 10 each side, QR 4 all round. */
export const QUIET_LINEAR = 10;
export const QUIET_QR = 4;

/**
 * Paints a symbol into the box (x, y, width, height) in points, as one filled path, keeping
 * its quiet zones inside the box. A linear symbol fills the box's width, with modules no
 * wider than `maxModule` points (then it is placed by `align`); a matrix symbol is square
 * and centred.
 */
export function drawBarcode(
  doc: PDFKit.PDFDocument,
  code: LinearBarcode | MatrixBarcode,
  box: { x: number; y: number; width: number; height: number },
  options: { maxModule?: number; align?: 'left' | 'center' } = {},
): void {
  doc.save();
  if (code.kind === 'linear') {
    const module = Math.min(box.width / (code.modules + 2 * QUIET_LINEAR), options.maxModule ?? 3);
    const used = module * (code.modules + 2 * QUIET_LINEAR);
    const x0 = box.x + QUIET_LINEAR * module + (options.align === 'left' ? 0 : (box.width - used) / 2);
    for (const bar of code.bars) doc.rect(x0 + bar.x * module, box.y, bar.width * module, box.height);
  } else {
    const module = Math.min(box.width / (code.columns + 2 * QUIET_QR), box.height / (code.rows + 2 * QUIET_QR));
    const x0 = box.x + (box.width - module * code.columns) / 2;
    const y0 = box.y + (box.height - module * code.rows) / 2;
    for (const run of code.runs) doc.rect(x0 + run.x * module, y0 + run.y * module, run.width * module, module);
  }
  doc.fill('black').restore();
}

/** The human-readable line printed under an SSCC, as GS1 writes it. */
export function ssccText(sscc: string): string {
  return `(00) ${sscc}`;
}
