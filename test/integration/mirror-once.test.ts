/**
 * A mirror job runs once however it is started: two starts at the same time (both peer checks
 * in flight together) run one job, and the resume at start-up, arriving after a request
 * already started the job, does not start a second runner. The peer sits behind a front door
 * that holds its answers, and the door's log counts the index walks.
 */
import type { MirrorService } from '../../node/feature-services';
import { frontDoor, type FrontDoor } from '../helpers/front-door';
import { fillGroup, waitForJob } from '../helpers/mirror';
import { startTestNode, type TestNode } from '../helpers/node';
import { waitFor } from '../helpers/wait';

const GROUP = 'test.once';

describe('a mirror job runs once', () => {
  let source: TestNode;
  const nodes: TestNode[] = [];
  const doors: FrontDoor[] = [];
  beforeAll(async () => {
    source = await startTestNode({ name: 'once-src' });
    nodes.push(source);
    await fillGroup(source.webUrl, GROUP, 30);
  });
  afterAll(async () => {
    await Promise.all(doors.map((d) => d.close()));
    await Promise.all(nodes.map((n) => n.destroy()));
  });

  /** Index walks from the start of the group that reached the peer (one per runner). */
  const walks = (door: FrontDoor) => door.log.filter((l) => l.startsWith(`GET /v1/groups/${GROUP}/index?after=0&`)).length;

  it('joins two starts made at the same time into one job', async () => {
    const sink = await startTestNode({ name: 'once-sink-a' });
    nodes.push(sink);
    const door = await frontDoor(source.peerUrl, 'held');
    doors.push(door);
    const mirrors = sink.components.service.mirrors as MirrorService;
    const calls = () => sink.components.transport.stats.byPath['/v1/groups'] ?? 0;
    const first = mirrors.start({ peer: door.url, group: GROUP });
    const second = mirrors.start({ peer: door.url, group: GROUP });
    // Both starts are past their first steps once one peer check has been sent.
    await waitFor('a peer check to be sent', () => calls() >= 1);
    door.release();
    const answers = await Promise.all([first, second]);
    expect(answers.map((a) => a.started).sort()).toEqual([false, true]);
    expect(answers[0].id).toBe(answers[1].id);
    await waitForJob(sink.webUrl, answers[0].id, (j) => j.state === 'done');
    expect(walks(door)).toBe(1);
  });

  it('does not start a second runner when the resume comes after a request started the job', async () => {
    const sink = await startTestNode({ name: 'once-sink-b' });
    nodes.push(sink);
    // The peer check passes; the index walk waits at the door, so the job is running when the resume comes.
    const door = await frontDoor(source.peerUrl, 'held-but-groups');
    doors.push(door);
    const mirrors = sink.components.service.mirrors as MirrorService & { resume(): Promise<void> };
    const firstPage = `/v1/groups/${GROUP}/index?after=0&limit=1000`;
    const walksSent = () => sink.components.transport.stats.byPath[firstPage] ?? 0;
    const { id, started } = await mirrors.start({ peer: door.url, group: GROUP });
    expect(started).toBe(true);
    await waitFor('the job to ask for its first index page', () => walksSent() === 1);
    // A runner asks for its first page as it starts, before the resume has read the job list through.
    await mirrors.resume();
    expect(walksSent()).toBe(1);
    door.release();
    await waitForJob(sink.webUrl, id, (j) => j.state === 'done');
    expect(walks(door)).toBe(1);
  });
});
