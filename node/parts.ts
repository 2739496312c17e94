/**
 * The parts a real node runs, in start order. Each feature module exports one PartFactory.
 */
import type { PartFactory } from './part';

export const defaultParts: PartFactory[] = [];
