/**
 * EDIFACT syntax (ISO 9735, versions 1–4 as EANCOM uses them): the service string advice (UNA),
 * the interchange envelope (UNB/UNZ), functional groups (UNG/UNE), messages (UNH/UNT), the
 * release character and character repertoires (UNOA … UNOY); the writer is edifact-write.ts.
 *
 * Written here rather than taken from npm: the parsers there (`edifact`, `ts-edifact`) either
 * stream into their own segment tables or drop positions, and a CONTRL acknowledgement must name
 * the segment position, element and component at fault. The tokenizer is small; the mapping
 * code (edifact-orders.ts) is ours in any case.
 */

export interface Separators {
  component: string;
  element: string;
  decimal: string;
  release: string;
  /** Repetition separator (syntax 4); a space in UNA means none. */
  repetition: string;
  segment: string;
}

export const DEFAULT_SEPARATORS: Separators = {
  component: ':',
  element: '+',
  decimal: '.',
  release: '?',
  repetition: ' ',
  segment: "'",
};

export interface Segment {
  tag: string;
  /** Elements after the tag; each a list of components (strings, release characters removed). */
  elements: string[][];
  /** 1-based position in the interchange (UNA not counted). */
  position: number;
}

/**
 * One syntax or content problem, placed as precisely as the format allows. `code` is the
 * CONTRL syntax error code (UN/EDIFACT data element 0085), e.g. 12 invalid value, 13 missing,
 * 16 too many constituents, 21 invalid character, 23 unknown sender, 26 duplicate,
 * 28 references do not match, 29 control count does not match.
 */
export interface EdiProblem {
  code: string;
  message: string;
  /** Message reference (UNH 0062) when the problem is inside a message. */
  messageRef?: string;
  segment?: string;
  /** Position of the segment inside its message (UNH = 1), or in the interchange for envelope segments. */
  position?: number;
  /** 1-based element position after the tag. */
  element?: number;
  /** 1-based component position. */
  component?: number;
}

export interface EdiMessage {
  ref: string;
  /** S009: type, version, release, agency, association code (e.g. ORDERS, D, 96A, UN, EAN008). */
  type: string;
  version: string;
  release: string;
  agency: string;
  association: string;
  /** UNH … UNT inclusive. */
  segments: Segment[];
  /** The message's own text (UNH … UNT), for the ingestion log. */
  text: string;
}

export interface Interchange {
  separators: Separators;
  syntax: { id: string; version: string };
  sender: { id: string; qualifier: string };
  recipient: { id: string; qualifier: string };
  preparedAt: string;
  controlRef: string;
  applicationRef: string;
  test: boolean;
  messages: EdiMessage[];
  problems: EdiProblem[];
}

/** Whether the bytes start like an EDIFACT interchange (UNA or UNB, after a BOM or blanks). */
export function looksLikeEdifact(text: string): boolean {
  return /^\uFEFF?\s*(UNA.{6}|UNB[^A-Z0-9])/s.test(text.slice(0, 64));
}

/** Character repertoires by syntax identifier. */
const UNOA = /^[A-Z0-9 .,\-()/='+:?!"%&*;<>\r\n]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7E\r\n]*$/;

/** Decodes bytes: UTF-8 when they are valid UTF-8 (partners send UTF-8 under UNOC too), else Latin-1. */
export function decodeEdifact(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * Splits an interchange into segments. Whitespace (CR, LF) right after a segment terminator is
 * skipped. A release character before anything but a service character is a problem (code 21).
 */
export function tokenize(text: string): { separators: Separators; segments: Segment[]; problems: EdiProblem[] } {
  let body = text.replace(/^\uFEFF/, '').replace(/^\s+/, '');
  let separators = DEFAULT_SEPARATORS;
  const problems: EdiProblem[] = [];
  if (body.startsWith('UNA')) {
    const advice = body.slice(3, 9);
    separators = {
      component: advice[0]!,
      element: advice[1]!,
      decimal: advice[2]!,
      release: advice[3]!,
      repetition: advice[4]!,
      segment: advice[5]!,
    };
    body = body.slice(9);
  }
  const service = new Set([separators.component, separators.element, separators.release, separators.segment]);
  if (separators.repetition !== ' ') service.add(separators.repetition);
  const segments: Segment[] = [];
  let elements: string[][] = [];
  let components: string[] = [];
  let current = '';
  let index = 0;
  const atStart = () => elements.length === 0 && components.length === 0 && current === '';
  while (index < body.length) {
    const ch = body[index]!;
    if (atStart() && (ch === '\r' || ch === '\n')) {
      index++;
      continue;
    }
    if (ch === separators.release) {
      const next = body[index + 1];
      if (next === undefined) {
        problems.push({ code: '21', message: 'the interchange ends with a release character' });
        index++;
        continue;
      }
      if (!service.has(next)) {
        const tag = elements[0]?.[0] ?? current;
        problems.push({
          code: '21',
          message: `release character "${separators.release}" before "${next}", which is not a service character`,
          segment: tag.slice(0, 3),
          position: segments.length + 1,
          element: elements.length || undefined,
          component: components.length + 1,
        });
      }
      current += next;
      index += 2;
      continue;
    }
    if (ch === separators.component) {
      components.push(current);
      current = '';
    } else if (ch === separators.element) {
      components.push(current);
      elements.push(components);
      components = [];
      current = '';
    } else if (ch === separators.segment) {
      components.push(current);
      elements.push(components);
      const [tagElement, ...rest] = elements;
      segments.push({ tag: tagElement![0]!.trim(), elements: rest, position: segments.length + 1 });
      elements = [];
      components = [];
      current = '';
    } else current += ch;
    index++;
  }
  if (!atStart())
    problems.push({
      code: '13',
      message: 'the last segment has no segment terminator',
      segment: (elements[0]?.[0] ?? current).slice(0, 3),
      position: segments.length + 1,
    });
  return { separators, segments, problems };
}

/** Component `c` (1-based) of element `e` (1-based), or '' when absent. */
export function value(segment: Segment | undefined, element: number, component = 1): string {
  return segment?.elements[element - 1]?.[component - 1] ?? '';
}

/** Maximum components per element of the segments Ordo reads and writes (D96A/EANCOM and later). */
const SEGMENT_SHAPES: Record<string, number[]> = {
  BGM: [4, 3, 1, 1],
  DTM: [3],
  NAD: [3, 5, 6, 4, 1, 1, 1, 1, 1],
  LIN: [1, 1, 4, 2, 1, 1],
  PIA: [1, 4, 4, 4, 4, 4],
  IMD: [1, 3, 6, 1],
  QTY: [3],
  PRI: [6, 1],
  MOA: [5],
  RFF: [5],
  FTX: [1, 1, 3, 5, 1, 1],
  CUX: [5, 5, 1, 1],
  TAX: [1, 3, 3, 1, 6, 1, 1, 1],
  LOC: [1, 4, 4, 4, 1],
  TDT: [1, 1, 2, 2, 4, 1, 3, 5, 1],
  TOD: [1, 1, 5],
  PAI: [3],
  CTA: [1, 2],
  COM: [2],
  PAC: [1, 3, 6, 5, 2],
  CNT: [3],
  UNS: [1],
  ALC: [1, 2, 1, 1, 3],
};

/** Code list responsible agency (3055) positions: [element, component]; the code list is numeric. */
const AGENCY_POSITIONS: Record<string, [number, number][]> = {
  FTX: [[3, 3]],
  NAD: [
    [2, 3],
    [3, 3],
  ],
  LIN: [[3, 4]],
  PIA: [
    [2, 4],
    [3, 4],
    [4, 4],
    [5, 4],
    [6, 4],
  ],
  IMD: [
    [2, 3],
    [3, 3],
  ],
  LOC: [[2, 3]],
  BGM: [[1, 3]],
};

/** Checks one message segment's shape: too many elements or components, agency codes. */
function checkSegment(segment: Segment, positionInMessage: number, messageRef: string): EdiProblem[] {
  const problems: EdiProblem[] = [];
  const shape = SEGMENT_SHAPES[segment.tag];
  if (!/^[A-Z][A-Z0-9]{2}$/.test(segment.tag))
    problems.push({
      code: '12',
      message: `"${segment.tag}" is not a segment tag`,
      messageRef,
      segment: segment.tag,
      position: positionInMessage,
    });
  if (!shape) return problems;
  if (segment.elements.length > shape.length)
    problems.push({
      code: '16',
      message: `${segment.tag} has ${segment.elements.length} data elements; at most ${shape.length}`,
      messageRef,
      segment: segment.tag,
      position: positionInMessage,
      element: shape.length + 1,
    });
  segment.elements.forEach((components, index) => {
    const max = shape[index];
    if (max !== undefined && components.length > max)
      problems.push({
        code: '16',
        message: `${segment.tag} element ${index + 1} has ${components.length} components; at most ${max}`,
        messageRef,
        segment: segment.tag,
        position: positionInMessage,
        element: index + 1,
        component: max + 1,
      });
  });
  for (const [elementNo, componentNo] of AGENCY_POSITIONS[segment.tag] ?? []) {
    const code = value(segment, elementNo, componentNo);
    if (code !== '' && !/^\d{1,3}$/.test(code))
      problems.push({
        code: '12',
        message: `${segment.tag} element ${elementNo}.${componentNo} (code list responsible agency, 3055) "${code}" is not a code of the list`,
        messageRef,
        segment: segment.tag,
        position: positionInMessage,
        element: elementNo,
        component: componentNo,
      });
  }
  return problems;
}

function checkRepertoire(syntaxId: string, segments: Segment[]): EdiProblem[] {
  const pattern = syntaxId === 'UNOA' ? UNOA : syntaxId === 'UNOB' ? PRINTABLE_ASCII : null;
  if (!pattern) return [];
  const problems: EdiProblem[] = [];
  for (const segment of segments)
    segment.elements.forEach((components, e) =>
      components.forEach((text, componentIndex) => {
        if (!pattern.test(text))
          problems.push({
            code: '21',
            message: `${segment.tag} element ${e + 1}.${componentIndex + 1} has characters outside the ${syntaxId} repertoire`,
            segment: segment.tag,
            position: segment.position,
            element: e + 1,
            component: componentIndex + 1,
          });
      }),
    );
  return problems;
}

const SYNTAX_IDS = /^UNO[A-KXYW]$/;

/**
 * Reads an interchange: envelope, messages, counts and references checked, every segment's
 * shape checked. Problems are collected, never thrown; an interchange with problems is rejected
 * by the caller (with a CONTRL saying where).
 */
export function parseInterchange(text: string): Interchange {
  const { separators, segments, problems } = tokenize(text);
  const unb = segments[0];
  const interchange: Interchange = {
    separators,
    syntax: { id: value(unb, 1, 1), version: value(unb, 1, 2) },
    sender: { id: value(unb, 2, 1), qualifier: value(unb, 2, 2) },
    recipient: { id: value(unb, 3, 1), qualifier: value(unb, 3, 2) },
    preparedAt: `${value(unb, 4, 1)}:${value(unb, 4, 2)}`,
    controlRef: value(unb, 5, 1),
    applicationRef: value(unb, 7, 1),
    test: value(unb, 11, 1) === '1',
    messages: [],
    problems,
  };
  if (!unb || unb.tag !== 'UNB') {
    problems.push({ code: '13', message: 'the interchange does not start with UNB', segment: 'UNB', position: 1 });
    return interchange;
  }
  if (!SYNTAX_IDS.test(interchange.syntax.id))
    problems.push({
      code: '2',
      message: `syntax identifier "${interchange.syntax.id}" is not supported (UNOA … UNOK, UNOX, UNOY, UNOW)`,
      segment: 'UNB',
      position: 1,
      element: 1,
      component: 1,
    });
  for (const [elementNo, what] of [
    [2, 'interchange sender'],
    [3, 'interchange recipient'],
    [5, 'interchange control reference'],
  ] as const)
    if (value(unb, elementNo, 1) === '')
      problems.push({
        code: '13',
        message: `UNB: the ${what} is missing`,
        segment: 'UNB',
        position: 1,
        element: elementNo,
      });
  problems.push(...checkRepertoire(interchange.syntax.id, segments));

  let open: { unh: Segment; start: number } | null = null;
  let groups = 0;
  let unz: Segment | undefined;
  const textOf = (from: Segment, to: Segment) => {
    const seps = separators;
    return segments
      .slice(from.position - 1, to.position)
      .map((seg) =>
        [
          seg.tag,
          ...seg.elements.map((components) => components.map((v) => escape(v, seps)).join(seps.component)),
        ].join(seps.element),
      )
      .join(seps.segment);
  };
  for (const segment of segments.slice(1)) {
    if (unz) {
      problems.push({
        code: '33',
        message: `${segment.tag} after UNZ`,
        segment: segment.tag,
        position: segment.position,
      });
      continue;
    }
    if (segment.tag === 'UNZ') {
      if (open)
        problems.push({
          code: '13',
          message: `message ${value(open.unh, 1)} has no UNT`,
          messageRef: value(open.unh, 1),
          segment: 'UNT',
        });
      unz = segment;
      continue;
    }
    if (segment.tag === 'UNG') groups++;
    if (segment.tag === 'UNG' || segment.tag === 'UNE') continue;
    if (segment.tag === 'UNH') {
      if (open)
        problems.push({
          code: '13',
          message: `message ${value(open.unh, 1)} has no UNT before the next UNH`,
          messageRef: value(open.unh, 1),
          segment: 'UNT',
        });
      open = { unh: segment, start: segment.position };
      continue;
    }
    if (!open) {
      problems.push({
        code: '33',
        message: `${segment.tag} outside a message`,
        segment: segment.tag,
        position: segment.position,
      });
      continue;
    }
    if (segment.tag !== 'UNT') continue;
    const unh = open.unh;
    const ref = value(unh, 1);
    const message: EdiMessage = {
      ref,
      type: value(unh, 2, 1),
      version: value(unh, 2, 2),
      release: value(unh, 2, 3),
      agency: value(unh, 2, 4),
      association: value(unh, 2, 5),
      segments: segments.slice(unh.position - 1, segment.position),
      text: textOf(unh, segment),
    };
    const count = segment.position - unh.position + 1;
    if (value(segment, 1) !== String(count))
      problems.push({
        code: '29',
        message: `UNT says ${value(segment, 1) || 'nothing'} segments; message ${ref} has ${count}`,
        messageRef: ref,
        segment: 'UNT',
        position: count,
        element: 1,
      });
    if (value(segment, 2) !== ref)
      problems.push({
        code: '28',
        message: `UNT reference "${value(segment, 2)}" does not match UNH "${ref}"`,
        messageRef: ref,
        segment: 'UNT',
        position: count,
        element: 2,
      });
    message.segments.forEach((seg, index) => {
      if (seg.tag !== 'UNH' && seg.tag !== 'UNT') problems.push(...checkSegment(seg, index + 1, ref));
    });
    // problems the tokenizer found inside this message get the message's reference and position
    for (const problem of problems)
      if (
        problem.messageRef === undefined &&
        problem.position !== undefined &&
        problem.position >= unh.position &&
        problem.position <= segment.position
      ) {
        problem.messageRef = ref;
        problem.position = problem.position - unh.position + 1;
      }
    interchange.messages.push(message);
    open = null;
  }
  if (open)
    problems.push({
      code: '13',
      message: `message ${value(open.unh, 1)} has no UNT`,
      messageRef: value(open.unh, 1),
      segment: 'UNT',
    });
  if (!unz) problems.push({ code: '13', message: 'the interchange has no UNZ', segment: 'UNZ' });
  else {
    const expected = groups || interchange.messages.length;
    if (value(unz, 1) !== String(expected))
      problems.push({
        code: '29',
        message: `UNZ says ${value(unz, 1) || 'nothing'} ${groups ? 'groups' : 'messages'}; the interchange has ${expected}`,
        segment: 'UNZ',
        position: unz.position,
        element: 1,
      });
    if (value(unz, 2) !== interchange.controlRef)
      problems.push({
        code: '28',
        message: `UNZ reference "${value(unz, 2)}" does not match UNB "${interchange.controlRef}"`,
        segment: 'UNZ',
        position: unz.position,
        element: 2,
      });
  }
  return interchange;
}

/** Reads a decimal as EDIFACT writes it (either decimal mark) into a plain decimal string. */
export function ediDecimal(text: string): string | null {
  const normal = text.replace(',', '.');
  return /^-?\d+(\.\d+)?$/.test(normal) ? normal.replace(/^(-?)0+(?=\d)/, '$1') : null;
}

/** Escapes service characters with the release character. */
export function escape(text: string, seps: Separators = DEFAULT_SEPARATORS): string {
  let out = '';
  for (const ch of text) {
    if (ch === seps.release || ch === seps.component || ch === seps.element || ch === seps.segment) out += seps.release;
    if (seps.repetition !== ' ' && ch === seps.repetition) out += seps.release;
    out += ch;
  }
  return out;
}

/** A segment to write: tag, then elements; an element is a string or its components. */
