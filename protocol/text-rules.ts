/**
 * Small text predicates shared by the schemas: byte length and "no CR/LF" header-safe text.
 * Pure; no I/O.
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
