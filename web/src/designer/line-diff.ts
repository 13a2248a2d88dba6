/** One line of a diff: kept (' '), removed ('-') or added ('+'), with its line numbers. */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
  a: number | null;
  b: number | null;
}

/**
 * Line diff of two definition texts by longest common subsequence. Definitions are a few
 * hundred lines; past ~4 M cells it falls back to "all removed, all added".
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) {
    return [
      ...a.map((text, i) => ({ kind: '-' as const, text, a: i + 1, b: null })),
      ...b.map((text, j) => ({ kind: '+' as const, text, a: null, b: j + 1 })),
    ];
  }
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--)
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: ' ', text: a[i]!, a: i + 1, b: j + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || t[i * w + j + 1]! >= t[(i + 1) * w + j]!)) {
      out.push({ kind: '+', text: b[j]!, a: null, b: j + 1 });
      j++;
    } else {
      out.push({ kind: '-', text: a[i]!, a: i + 1, b: null });
      i++;
    }
  }
  return out;
}

/** Only the changed lines and `context` lines around them; null marks a gap. */
export function withContext(lines: DiffLine[], context = 2): (DiffLine | null)[] {
  const keep = new Set<number>();
  lines.forEach((l, k) => {
    if (l.kind !== ' ') for (let d = -context; d <= context; d++) keep.add(k + d);
  });
  const out: (DiffLine | null)[] = [];
  let last = -1;
  lines.forEach((l, k) => {
    if (!keep.has(k)) return;
    if (last >= 0 && k > last + 1) out.push(null);
    out.push(l);
    last = k;
  });
  return out;
}
