/**
 * Depth of a parsed JSON value, with an early exit: deeply nested bodies are refused before
 * any schema walks them.
 */
export function exceedsDepth(value: unknown, max: number, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= max) return true;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const child of children) if (child !== null && typeof child === 'object' && exceedsDepth(child, max, depth + 1)) return true;
  return false;
}
