import { DEFAULT_SEPARATORS, escape, type EdiProblem, type Interchange, type Separators } from './edifact.js';

/**
 * The EDIFACT writer (ISO 9735): escaping with the release character, segments, the interchange
 * envelope for what Ordo sends, and the CONTRL acknowledgement of a received interchange. The
 * syntax it writes is read by edifact.ts.
 */

export type OutSegment = [string, ...(string | string[] | undefined)[]];

/** Writes segments with trailing empty elements and components dropped, as the syntax asks. */
export function writeSegments(segments: OutSegment[], seps: Separators = DEFAULT_SEPARATORS): string {
  return segments
    .map(([tag, ...elements]) => {
      const parts = elements.map((element) => {
        const components = element === undefined ? [''] : typeof element === 'string' ? [element] : element;
        const trimmed = [...components];
        while (trimmed.length > 1 && trimmed[trimmed.length - 1] === '') trimmed.pop();
        return trimmed.map((c) => escape(c, seps)).join(seps.component);
      });
      while (parts.length && parts[parts.length - 1] === '') parts.pop();
      return [tag, ...parts].join(seps.element) + seps.segment;
    })
    .join('');
}

export interface OutMessage {
  ref: string;
  /** S009 components, e.g. ['ORDRSP', 'D', '96A', 'UN', 'EAN005']. */
  type: string[];
  /** The segments between UNH and UNT. */
  body: OutSegment[];
}

/** A whole interchange: UNA, UNB, each message wrapped in UNH/UNT with its count, UNZ. */
export function writeInterchange(input: {
  syntax?: { id: string; version: string };
  sender: { id: string; qualifier?: string };
  recipient: { id: string; qualifier?: string };
  at: Date;
  controlRef: string;
  applicationRef?: string;
  test?: boolean;
  messages: OutMessage[];
}): string {
  const at = input.at.toISOString();
  const date = at.slice(2, 4) + at.slice(5, 7) + at.slice(8, 10);
  const time = at.slice(11, 13) + at.slice(14, 16);
  const syntax = input.syntax ?? { id: 'UNOC', version: '3' };
  const unb: OutSegment = [
    'UNB',
    [syntax.id, syntax.version],
    [input.sender.id, input.sender.qualifier ?? ''],
    [input.recipient.id, input.recipient.qualifier ?? ''],
    [date, time],
    input.controlRef,
    '',
    input.applicationRef ?? '',
    '',
    '',
    '',
    input.test ? '1' : '',
  ];
  const segments: OutSegment[] = [unb];
  for (const message of input.messages) {
    segments.push(['UNH', message.ref, message.type], ...message.body);
    segments.push(['UNT', String(message.body.length + 2), message.ref]);
  }
  segments.push(['UNZ', String(input.messages.length), input.controlRef]);
  const seps = DEFAULT_SEPARATORS;
  return (
    `UNA${seps.component}${seps.element}${seps.decimal}${seps.release}${seps.repetition}${seps.segment}` +
    writeSegments(segments)
  );
}

/**
 * The CONTRL acknowledgement (syntax and service report) for a received interchange: UCI for the
 * interchange (7 acknowledged, 4 rejected), a UCM per message and UCS/UCD for the segment and
 * element at fault.
 */
export function contrlBody(
  interchange: Interchange,
  verdict: {
    /** Interchange-level error (e.g. 23 unknown sender, 26 duplicate); rejects everything. */
    interchangeError?: EdiProblem;
    problems: EdiProblem[];
  },
): OutSegment[] {
  const rejectedAll = verdict.interchangeError !== undefined || verdict.problems.some((p) => !p.messageRef);
  const envelopeError = verdict.interchangeError ?? verdict.problems.find((p) => !p.messageRef);
  const body: OutSegment[] = [
    [
      'UCI',
      interchange.controlRef,
      [interchange.sender.id, interchange.sender.qualifier],
      [interchange.recipient.id, interchange.recipient.qualifier],
      rejectedAll ? '4' : '7',
      envelopeError?.code,
      envelopeError?.segment,
      envelopeError?.element ? [String(envelopeError.element), String(envelopeError.component ?? '')] : undefined,
    ],
  ];
  for (const message of interchange.messages) {
    const problems = verdict.problems.filter((p) => p.messageRef === message.ref);
    const rejected = rejectedAll || problems.length > 0;
    body.push([
      'UCM',
      message.ref,
      [message.type, message.version, message.release, message.agency, message.association],
      rejected ? '4' : '7',
      problems.find((p) => p.position === undefined)?.code,
    ]);
    for (const problem of problems.filter((p) => p.position !== undefined)) {
      body.push(['UCS', String(problem.position), problem.element === undefined ? problem.code : undefined]);
      if (problem.element !== undefined)
        body.push(['UCD', problem.code, [String(problem.element), problem.component ? String(problem.component) : '']]);
    }
  }
  return body;
}
