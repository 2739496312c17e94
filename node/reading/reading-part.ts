/**
 * The reading NodePart: builds the search index and its background indexer (woken by
 * ingest.onAccepted, never in ingest's commit path), the owner's read marks and the traffic
 * series, registers them as the `reading` feature, and adds the reading routes of the local JSON API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NodePart, PartFactory } from '../part';
import { readingRoutes } from '../api/reading-routes';
import { Indexer } from './indexer';
import { Reading } from './reading-service';
import { ReadMarks } from './read-marks';
import { SearchIndex } from './search-index';
import { SAMPLE_MS, Series } from './series';

/** The package version, from the nearest package.json (source tree or dist/). */
export function packageVersion(start: string = __dirname): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

export interface ReadingPartOptions {
  /** Off: no search index and no indexer (benchmarks measure ingest without it). */
  search?: boolean;
  /** Sampling interval of the traffic series (tests use a short one). */
  sampleMs?: number;
}

export function readingPart(opts: ReadingPartOptions = {}): PartFactory {
  return (components): NodePart => {
    const { store, clock, logger, metrics, ingest, features } = components;
    const log = logger.child({ component: 'reading' });
    const index = new SearchIndex();
    const indexer = new Indexer({ store, clock, logger: log }, index);
    const marks = new ReadMarks(store);
    const series = new Series({ store, clock, metrics }, async () => features.get('peers')?.list() ?? []);
    const startedAt = clock.now();
    const reading = new Reading({ store, clock }, { index, indexer, marks, series, version: packageVersion(), startedAt });
    features.provide('reading', reading);
    const searchOn = opts.search !== false;
    if (searchOn) ingest.onAccepted((events) => indexer.onAccepted(events));
    const stopSampling = new AbortController();
    let sampling: Promise<void> = Promise.resolve();
    return {
      name: 'reading',
      webRoutes: [(app) => app.register(readingRoutes, { reading })],
      start: async () => {
        if (searchOn) indexer.start();
        await series.load().catch((err: unknown) => log.warn({ err }, 'saved traffic series unreadable'));
        sampling = (async () => {
          while (!stopSampling.signal.aborted) {
            await series.sample().catch((err: unknown) => log.warn({ err }, 'traffic sample failed'));
            await clock.sleep(opts.sampleMs ?? SAMPLE_MS, stopSampling.signal);
          }
        })();
      },
      stop: async () => {
        stopSampling.abort();
        await sampling;
        await series.save().catch((err: unknown) => log.warn({ err }, 'saving the traffic series failed'));
        if (searchOn) await indexer.stop();
      },
    };
  };
}

export const readingPartFactory: PartFactory = readingPart();
