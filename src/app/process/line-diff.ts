/**
 * A unified diff of two texts by lines (longest common subsequence), for the history of
 * definition changes. Definitions are a few hundred lines, so the quadratic table is cheap;
 * past the cap the diff degrades to "all removed, all added" rather than using a lot of memory.
 */
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

export function lineDiff(before: string, after: string, context = 2): string {
  if (before === after) return '';
  const left = before === '' ? [] : before.split('\n');
  const right = after === '' ? [] : after.split('\n');
  const ops = left.length * right.length > MAX_CELLS ? coarse(left, right) : lcsOps(left, right);
  return hunks(ops, context);
}

function coarse(left: string[], right: string[]): Op[] {
  return [
    ...left.map((text, i) => ({ kind: '-' as const, text, a: i, b: 0 })),
    ...right.map((text, j) => ({ kind: '+' as const, text, a: left.length, b: j })),
  ];
}

function lcsOps(left: string[], right: string[]): Op[] {
  const length = left.length;
  const rightLength = right.length;
  const width = rightLength + 1;
  const uint32Array = new Uint32Array((length + 1) * width);
  for (let index = length - 1; index >= 0; index--) {
    for (let inner = rightLength - 1; inner >= 0; inner--) {
      uint32Array[index * width + inner] =
        left[index] === right[inner]
          ? uint32Array[(index + 1) * width + inner + 1]! + 1
          : Math.max(uint32Array[(index + 1) * width + inner]!, uint32Array[index * width + inner + 1]!);
    }
  }
  const ops: Op[] = [];
  let value = 0;
  let column = 0;
  while (value < length || column < rightLength) {
    if (value < length && column < rightLength && left[value] === right[column]) {
      ops.push({ kind: ' ', text: left[value]!, a: value, b: column });
      value++;
      column++;
    } else if (
      value < length &&
      (column === rightLength || uint32Array[(value + 1) * width + column]! >= uint32Array[value * width + column + 1]!)
    ) {
      ops.push({ kind: '-', text: left[value]!, a: value, b: column });
      value++;
    } else {
      ops.push({ kind: '+', text: right[column]!, a: value, b: column });
      column++;
    }
  }
  return ops;
}

function hunks(ops: Op[], context: number): string {
  const out: string[] = [];
  let index = 0;
  while (index < ops.length) {
    if (ops[index]!.kind === ' ') {
      index++;
      continue;
    }
    let start = Math.max(0, index - context);
    let end = index;
    // Extend while changes are closer than two contexts apart.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.kind === ' ' && next - end < 2 * context + 1) next++;
      if (next < ops.length && ops[next]!.kind !== ' ' && next - end <= 2 * context) {
        end = next;
        continue;
      }
      break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const aLen = slice.filter((o) => o.kind !== '+').length;
    const bLen = slice.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${slice[0]!.a + 1},${aLen} +${slice[0]!.b + 1},${bLen} @@`);
    for (const op of slice) out.push(`${op.kind}${op.text}`);
    index = stop;
    start = stop;
  }
  return out.join('\n');
}
