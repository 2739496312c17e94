/**
 * The peers and mirrors pages against the real gossip and mirror parts, on nodes running in
 * this process: add a peer by address through the form, see posts flow both ways, link
 * health on the page, approve a pending request, remove; start a mirror and watch it finish;
 * a peer that offers and does not deliver shows as low priority with its count.
 */
import { ManualClock } from '../helpers/manual-clock';
import { startTestNode, type TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { inputValue, WebClient } from './web-client';
import { waitFor } from '../helpers/wait';

async function submit(web: WebClient, formPage: string, action: string, fields: Record<string, string>) {
  const page = await web.get(formPage);
  return web.post(action, { _csrf: inputValue(page.html, '_csrf')!, ...fields });
}

describe('peers and mirrors pages', () => {
  let a: TestNode;
  let b: TestNode;
  let webA: WebClient;
  let webB: WebClient;
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestNode({ name: 'web-a' }), startTestNode({ name: 'web-b' })]);
    webA = new WebClient(a.webUrl);
    webB = new WebClient(b.webUrl);
  });
  afterAll(async () => {
    await Promise.all([a?.destroy(), b?.destroy()]);
  });

  it('adds a peer through the form, shows the link, and posts flow both ways', async () => {
    const added = await submit(webA, '/peers', '/peers', { url: b.peerUrl, groups: '' });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe('/peers');
    const peers = await webA.get('/peers');
    expect(peers.html).toContain('<strong>web-b</strong>');
    expect(peers.html).toMatch(/<span class="badge (up|pending|down)">/);
    expect(peers.html).toContain(`aria-label="Remove web-b"`);

    const posted = await submit(webA, '/g/test.flow/new', '/g/test.flow/new', { from: 'alice', subject: 'over the mesh', body: 'hello B' });
    expect(posted.status).toBe(303);
    const onB = await waitFor('the post on B', async () => {
      const page = await webB.get('/g/test.flow');
      return page.status === 200 && /<a class="subject" href="([^"]+)">over the mesh<\/a>/.exec(page.html)?.[1];
    });
    const article = await webB.get(`${onB}?reply=1`);
    const reply = await webB.post(onB, {
      _csrf: inputValue(article.html, '_csrf')!,
      from: 'bob',
      subject: inputValue(article.html, 'subject')!,
      body: 'hello A',
      references: inputValue(article.html, 'references')!,
    });
    expect(reply.status).toBe(303);
    await waitFor('the reply on A', async () => (await webA.get(posted.headers.get('location')!)).html.includes('Thread outline <span class="count">2 articles</span>'));
  });

  it('keeps the typed address and says why when a peer cannot be added', async () => {
    const bad = await submit(webA, '/peers', '/peers', { url: 'not a url', groups: 'comp.*' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('url must be an absolute http(s) URL');
    expect(inputValue(bad.html, 'url')).toBe('not a url');
    expect(inputValue(bad.html, 'groups')).toBe('comp.*');
    const unreachable = await submit(webA, '/peers', '/peers', { url: 'http://127.0.0.1:1', groups: '' });
    expect(unreachable.status).toBeGreaterThanOrEqual(400);
    expect(unreachable.html).toContain('<strong>Not added:</strong>');
    expect(inputValue(unreachable.html, 'url')).toBe('http://127.0.0.1:1');
  });

  it('shows a peer that offers articles and does not deliver them as low priority, with the count', async () => {
    const clock = new ManualClock();
    const d = await startTestNode({ name: 'web-d' }, { clock });
    try {
      const webD = new WebClient(d.webUrl);
      const honest = await PeerClient.connect(d.peerUrl, { name: 'honest' });
      const teaser = await PeerClient.connect(d.peerUrl, { name: 'teaser' });
      const calm = await webD.get('/peers');
      expect(calm.html).toContain('<strong>teaser</strong>');
      expect(calm.html).not.toContain('low priority');
      expect(calm.html).not.toContain('data-field="unfulfilled"');
      const ids = ['<t1@teaser>', '<t2@teaser>', '<t3@teaser>'];
      expect((await teaser.ihave(ids)).body.sendme).toEqual(ids);
      // Its window passes without the bodies; its next offer of them counts the misses.
      clock.advance(60_000);
      expect((await teaser.ihave(ids)).status).toBe(200);
      await honest.ihave(['<h1@honest>']);
      const page = await webD.get('/peers');
      const row = (name: string) => page.html.slice(page.html.indexOf(`<strong>${name}</strong>`)).split('</tr>')[0];
      expect(row('teaser')).toContain('low priority</span>');
      expect(row('teaser')).toContain('<span class="small muted" data-field="unfulfilled">3 asked for, not delivered</span>');
      expect(row('honest')).not.toContain('low priority');
      expect(row('honest')).not.toContain('data-field="unfulfilled"');
    } finally {
      await d.destroy();
    }
  });

  it('approves a pending peer request and removes a peer', async () => {
    const c = await startTestNode({ name: 'web-c', acceptPeers: 'approve' });
    let stopped = false;
    try {
      const webC = new WebClient(c.webUrl);
      await submit(webA, '/peers', '/peers', { url: c.peerUrl, groups: '' });
      const pending = await waitFor('a pending request on C', async () => {
        const page = await webC.get('/peers');
        return page.html.includes('/peers/web-a/approve') && page;
      });
      expect(pending.html).toContain('<span class="badge pending">pending</span>');
      const approved = await webC.post('/peers/web-a/approve', { _csrf: inputValue(pending.html, '_csrf')! });
      expect(approved.status).toBe(303);
      expect((await webC.get('/peers')).html).not.toContain('/peers/web-a/approve');
      // Removed while C is gone, so that no new hello brings the peer back at once.
      await c.destroy();
      stopped = true;
      const before = await webA.get('/peers');
      expect(before.html).toContain('<strong>web-c</strong>');
      const removed = await webA.post('/peers/web-c/remove', { _csrf: inputValue(before.html, '_csrf')! });
      expect(removed.status).toBe(303);
      const after = await webA.get('/peers');
      expect(after.html).not.toContain('<strong>web-c</strong>');
      expect(after.html).toContain('<strong>web-b</strong>');
    } finally {
      if (!stopped) await c.destroy();
    }
  });

  it('starts a mirror through the form and shows its progress until done', async () => {
    for (let i = 0; i < 30; i++) await a.components.service.post({ newsgroups: ['test.mirror'], from: 'm', subject: `m${i}`, body: `${i}` });
    const c = await startTestNode({ name: 'web-m' });
    try {
      const webC = new WebClient(c.webUrl);
      const bad = await submit(webC, '/mirrors', '/mirrors', { peer: a.peerUrl, group: 'Not A Group!', follow: 'on' });
      expect(bad.status).toBe(400);
      expect(bad.html).toMatch(/group name &quot;not a group!&quot; must be/);
      expect(inputValue(bad.html, 'peer')).toBe(a.peerUrl);
      expect(bad.html).toContain('name="follow" value="on" checked');
      const started = await submit(webC, '/mirrors', '/mirrors', { peer: a.peerUrl, group: 'test.mirror' });
      expect(started.status).toBe(303);
      await waitFor('the mirror to finish', async () => {
        const jobs = (await (await fetch(`${c.webUrl}/mirrors.json`)).json()) as { state: string }[];
        return jobs.length === 1 && jobs[0].state === 'done';
      });
      const page = await webC.get('/mirrors');
      expect(page.html).toContain('<span class="badge done" data-field="state">done</span>');
      expect(page.html).toContain('30 of 30');
      expect(page.html).toContain('<progress max="30" value="30"');
      // The live script stays on the page: it shows jobs started elsewhere (the CLI) too.
      expect(page.html).toContain('/static/mirrors.js');
      expect((await webC.get('/g/test.mirror')).html).toContain('30 articles');
    } finally {
      await c.destroy();
    }
  });
});
