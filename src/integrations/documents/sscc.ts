import { AppError } from '../../shared/errors.js';

/**
 * GS1 mod-10 check digit of a digit string (GTIN, SSCC, GLN without their check digit):
 * weights 3,1,3,1… from the rightmost digit.
 */
export function gs1CheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new RangeError('gs1CheckDigit needs digits only');
  let sum = 0;
  for (let index = digits.length - 1, width = 3; index >= 0; index--, width = 4 - width)
    sum += Number(digits[index]) * width;
  return (10 - (sum % 10)) % 10;
}

/** Why an SSCC is not valid, or null when it is. */
export function ssccProblem(value: string): string | null {
  if (!/^\d{18}$/.test(value)) return 'an SSCC is exactly 18 digits';
  const expected = gs1CheckDigit(value.slice(0, 17));
  if (Number(value[17]) !== expected) return `the check digit should be ${expected}, not ${value[17]}`;
  return null;
}

export function isValidSscc(value: string): boolean {
  return ssccProblem(value) === null;
}

/** Throws SSCC_INVALID unless `value` is 18 digits with a correct check digit. */
export function assertSscc(value: string): string {
  const problem = ssccProblem(value);
  if (problem)
    throw new AppError(
      'SSCC_INVALID',
      `SSCC ${JSON.stringify(value)}: ${problem}`,
      [{ path: '/sscc', message: problem, code: 'SSCC_INVALID' }],
      { sscc: value },
    );
  return value;
}

/**
 * Builds an SSCC: extension digit + GS1 company prefix + serial reference + check digit.
 * The serial reference is left-padded with zeros to fill the 16 digits the prefix leaves,
 * so a running counter can be passed as it is.
 */
export function sscc(
  companyPrefix: string,
  serialRef: string | number | bigint,
  extensionDigit: number | string,
): string {
  const fail = (path: string, message: string): never => {
    throw new AppError('SSCC_INVALID', `Cannot build an SSCC: ${message}`, [{ path, message, code: 'SSCC_INVALID' }], {
      companyPrefix,
      serialRef: String(serialRef),
      extensionDigit: String(extensionDigit),
    });
  };
  const ext = String(extensionDigit);
  if (!/^\d$/.test(ext)) fail('/extensionDigit', 'the extension digit is one digit 0–9');
  if (!/^\d{4,12}$/.test(companyPrefix)) fail('/companyPrefix', 'a GS1 company prefix is 4 to 12 digits');
  const serial = typeof serialRef === 'string' ? serialRef : serialRef.toString();
  const room = 16 - companyPrefix.length;
  if (!/^\d+$/.test(serial)) fail('/serialRef', 'the serial reference is a non-negative whole number');
  if (serial.length > room)
    fail(
      '/serialRef',
      `the serial reference has ${serial.length} digits; a ${companyPrefix.length}-digit company prefix leaves room for ${room}`,
    );
  const body = ext + companyPrefix + serial.padStart(room, '0');
  return body + String(gs1CheckDigit(body));
}
