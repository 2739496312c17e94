/**
 * Small text predicates shared by the schemas: byte length, "no CR/LF" header-safe text and
 * the control-character rule of header fields. Pure; no I/O.
 */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** True when the string holds no CR or LF (header-safe). */
export function isSingleLine(s: string): boolean {
  return !/[\r\n]/.test(s);
}

/** True when every char is printable ASCII without space (0x21-0x7e). */
export function isPrintableAsciiNoSpace(s: string): boolean {
  return /^[\x21-\x7e]*$/.test(s);
}

// C0 controls but TAB (CR and LF have their own rule), DEL and the C1 controls: invisible in
// a page or a terminal, and a BEL or an ESC sequence in a subject would act on the reader's screen.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

/**
 * Why a header field value may not be used as it is, or null: names the first control
 * character and where it is, e.g. `contains the control character U+0007 at character 6`.
 */
export function controlCharProblem(s: string): string | null {
  const m = CONTROL.exec(s);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `contains the control character U+${code} at character ${m.index + 1}`;
}
