/**
 * A unified diff of two texts by lines (longest common subsequence), for the history of
 * definition changes. Definitions are a few hundred lines, so the quadratic table is cheap;
 * past the cap the diff degrades to "all removed, all added" rather than using a lot of memory.
 */
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

export function lineDiff(before: string, after: string, context = 2): string {
  if (before === after) return '';
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  const ops = a.length * b.length > MAX_CELLS ? coarse(a, b) : lcsOps(a, b);
  return hunks(ops, context);
}

function coarse(a: string[], b: string[]): Op[] {
  return [...a.map((text, i) => ({ kind: '-' as const, text, a: i, b: 0 })), ...b.map((text, j) => ({ kind: '+' as const, text, a: a.length, b: j }))];
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ kind: ' ', text: a[i]!, a: i, b: j }); i++; j++; }
    else if (i < n && (j === m || t[(i + 1) * w + j]! >= t[i * w + j + 1]!)) { ops.push({ kind: '-', text: a[i]!, a: i, b: j }); i++; }
    else { ops.push({ kind: '+', text: b[j]!, a: i, b: j }); j++; }
  }
  return ops;
}

function hunks(ops: Op[], context: number): string {
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') { k++; continue; }
    let start = Math.max(0, k - context);
    let end = k;
    // Extend while changes are closer than two contexts apart.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.kind === ' ' && next - end < 2 * context + 1) next++;
      if (next < ops.length && ops[next]!.kind !== ' ' && next - end <= 2 * context) { end = next; continue; }
      break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const aLen = slice.filter((o) => o.kind !== '+').length;
    const bLen = slice.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${slice[0]!.a + 1},${aLen} +${slice[0]!.b + 1},${bLen} @@`);
    for (const o of slice) out.push(`${o.kind}${o.text}`);
    k = stop;
    start = stop;
  }
  return out.join('\n');
}
