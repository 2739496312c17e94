/**
 * `newsmesh start` bounds how far the V8 heap grows past its live set (node/cli/heap-growth.ts),
 * unless the owner set heap flags of their own. The effect on RSS is measured by the mirror bench.
 */
import { boundHeapGrowth, DEFAULT_HEAP_GROWING_PERCENT } from '../../node/cli/heap-growth';

describe('heap growth bound', () => {
  it('applies the default, or NEWSMESH_HEAP_GROWING_PERCENT (capped), and 0 leaves V8 alone', () => {
    expect(boundHeapGrowth({}, [])).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(boundHeapGrowth({ NEWSMESH_HEAP_GROWING_PERCENT: '50' }, [])).toBe(50);
    expect(boundHeapGrowth({ NEWSMESH_HEAP_GROWING_PERCENT: '99999' }, [])).toBe(1000);
    expect(boundHeapGrowth({ NEWSMESH_HEAP_GROWING_PERCENT: '0' }, [])).toBeNull();
    expect(boundHeapGrowth({ NEWSMESH_HEAP_GROWING_PERCENT: 'lots' }, [])).toBeNull();
  });

  it("leaves the owner's own heap flags in charge", () => {
    expect(boundHeapGrowth({ NODE_OPTIONS: '--max-old-space-size=512' }, [])).toBeNull();
    expect(boundHeapGrowth({}, ['--max-old-space-size=512'])).toBeNull();
    expect(boundHeapGrowth({}, ['--heap-growing-percent=50'])).toBeNull();
  });
});
