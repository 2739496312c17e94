/**
 * A mirror job in one process (issue 10, item 6): on a MemoryNetwork with a ManualClock, a
 * job cut off mid-way retries on the clock, and after a restart resumes from its saved cursor
 * without asking for an article twice. The HTTP suites (mirror*.test.ts) cover the real wire.
 */
import type { MirrorJobRecord } from '../../node/mirror/job-record';
import { MemoryMesh } from '../helpers/memory-mesh';
import { tempDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

const TUNING = { mirrorPageSize: 5, mirrorBatchIds: 5, mirrorFetchAhead: 1 };

describe('mirror on a memory network with a manual clock', () => {
  const mesh = new MemoryMesh();
  const data = tempDir();
  afterAll(async () => {
    await mesh.destroy();
    data.cleanup();
  });

  it('resumes from its cursor after a restart, asking for no article twice', async () => {
    const src = await mesh.start({ name: 'src' }, {}, { mirror: true });
    const posted: string[] = [];
    for (let i = 0; i < 30; i++) posted.push((await src.components.service.post({ newsgroups: ['test.m'], from: 'f@example', subject: `s${i}`, body: `b${i}` })).id);

    // Each id the sink asks for, on calls that got through; past 2 SENDMEs the source is cut off.
    const asked: string[] = [];
    const indexAfter: number[] = [];
    let sendmes = 0;
    let cutOff = true;
    mesh.net.rule((_from, req) => {
      if (req.url !== src.peerUrl) return undefined;
      if (req.path === '/v1/sendme') {
        if (cutOff && ++sendmes > 2) return 'refuse';
        asked.push(...(JSON.parse(String(req.body)) as { ids: string[] }).ids);
      }
      const m = /\/index\?after=(\d+)/.exec(req.path);
      if (m) indexAfter.push(Number(m[1]));
      return undefined;
    });

    let sink = await mesh.start({ name: 'sink', data: data.dir, tuning: TUNING }, {}, { mirror: true });
    const { id: job } = await sink.components.service.mirrors!.start({ peer: src.peerUrl, group: 'test.m' });
    const record = async () => (await sink.components.store.subs.mirrors.get(job)) as MirrorJobRecord | undefined;
    await waitFor('the job retrying after the cut', async () => {
      const r = await record();
      return r?.error !== undefined && r.cursor > 0 && r;
    });
    // Retries back off on the manual clock; a minute of it moves nothing while the cut holds.
    await mesh.clock.run(60_000);
    const saved = (await record())!;
    expect(saved.state).toBe('running');
    expect(saved.done).toBe(10);
    await mesh.close(sink);

    cutOff = false;
    indexAfter.length = 0;
    sink = await mesh.start({ name: 'sink', data: data.dir, tuning: TUNING }, {}, { mirror: true });
    await waitFor('the job done after the restart', async () => (await record())?.state === 'done');
    expect(indexAfter[0]).toBe(saved.cursor);
    expect([...asked].sort()).toEqual([...posted].sort()); // each once
    for (const id of posted) expect(await sink.components.store.getStored(id)).toBeDefined();
    expect((await record())!.done).toBe(30);
  });
});
