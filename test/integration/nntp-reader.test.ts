/**
 * The NNTP reader port of a real node, driven by the TypeScript client: posting (with the
 * injection headers a server adds), reading by number and message-id, overview from the index
 * (sizes that match what ARTICLE sends), headers, lists, NEWGROUPS/NEWNEWS, the RFC error
 * codes, transit refused to non-peers, and AUTHINFO on a listener that is not on loopback.
 */
import type { NntpClient } from '../../node/nntp/client';
import { nntpTimestamp } from '../../protocol/nntp/dates';
import { startTestNode, type TestNode } from '../helpers/node';
import { lines, nntpConnect, post, wire } from '../helpers/nntp';

let node: TestNode;
let c: NntpClient;
let posted: string;
let local: string;

const article = (over: { id?: string; groups?: string; subject?: string; body?: string[]; extra?: string[] } = {}) =>
  wire([
    'From: Reader <reader@example.org>',
    `Newsgroups: ${over.groups ?? 'test.nntp'}`,
    `Subject: ${over.subject ?? 'hello over nntp'}`,
    ...(over.id ? [`Message-ID: ${over.id}`] : []),
    'Organization: Test Org',
    'X_Odd.Name: kept on the wire',
    ...(over.extra ?? []),
    '',
    ...(over.body ?? ['first line', '.starts with a dot', '..two dots', 'last']),
  ]);

beforeAll(async () => {
  node = await startTestNode({ name: 'reader-node' });
  c = await nntpConnect(node.nntpUrl!);
  const r = await post(c, article());
  expect(r.code).toBe(240);
  posted = /<[^>]+>/.exec(r.text)![0];
  local = (await node.components.service.post({ newsgroups: ['test.nntp'], from: 'Wëb <web@example.org>', subject: 'from the wëb', body: 'web body\n', references: [posted] })).id;
});

afterAll(async () => {
  await c.quit();
  await node.destroy();
});

describe('the NNTP reader port', () => {
  it('greets, lists its capabilities and tells the date', async () => {
    expect(c.greeting.code).toBe(200);
    expect(c.greeting.text).toMatch(/^reader-node /);
    const caps = lines(await c.command('CAPABILITIES'));
    expect(caps).toEqual(expect.arrayContaining(['VERSION 2', 'READER', 'POST', 'OVER MSGID', 'HDR', 'NEWNEWS']));
    expect(caps).not.toContain('STREAMING');
    expect((await c.command('DATE')).text).toMatch(/^\d{14}$/);
    expect(lines(await c.command('HELP')).length).toBeGreaterThan(10);
  });

  it('injects a reader\'s post as a server does and serves its bytes back unchanged', async () => {
    const r = await c.command(`ARTICLE ${posted}`);
    expect(r.code).toBe(220);
    expect(r.text).toBe(`0 ${posted}`);
    const text = r.block!.toString('utf8');
    expect(text).toMatch(/^Path: reader-node!\.POSTED\.127\.0\.0\.1!not-for-mail\r\n/);
    expect(text).toMatch(/^Injection-Date: .+ \+0000\r$/m);
    expect(text).toMatch(/^Injection-Info: reader-node; posting-host="127\.0\.0\.1"\r$/m);
    expect(text).toMatch(/^X_Odd\.Name: kept on the wire\r$/m);
    expect(text).toMatch(/^Xref: reader-node test\.nntp:1\r$/m);
    expect(text.endsWith('\r\n\r\nfirst line\r\n.starts with a dot\r\n..two dots\r\nlast\r\n')).toBe(true);
    const json = (await (await fetch(`${node.webUrl}/api/articles/${encodeURIComponent(posted)}`)).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ id: posted, path: ['reader-node'], subject: 'hello over nntp', body: 'first line\n.starts with a dot\n..two dots\nlast\n' });
    expect(json.headers).toMatchObject({ Organization: 'Test Org' });
  });

  it('renders an article posted on the web, with ASCII headers and this node\'s Xref', async () => {
    const r = await c.command(`HEAD ${local}`);
    expect(r.code).toBe(221);
    const head = r.block!.toString('latin1');
    expect(head).toMatch(/^[\x20-\x7e\r\n]*$/);
    expect(head).toMatch(/^Subject: =\?UTF-8\?B\?.+\?=\r$/m);
    expect(head).toMatch(new RegExp(`^References: ${posted.replace(/[$.]/g, '\\$&')}\r$`, 'm'));
    expect(head).toMatch(/^Xref: reader-node test\.nntp:2\r$/m);
    expect((await c.command(`BODY ${local}`)).block!.toString()).toBe('web body\r\n');
  });

  it('selects groups and walks articles by number', async () => {
    expect((await c.command('ARTICLE 1')).code).toBe(412);
    expect((await c.command('NEXT')).code).toBe(412);
    expect((await c.command('GROUP no.such.group')).code).toBe(411);
    const g = await c.command('GROUP test.nntp');
    expect(g.text).toBe('2 1 2 test.nntp');
    expect((await c.command('STAT')).text).toBe(`1 ${posted}`);
    expect((await c.command('LAST')).code).toBe(422);
    expect((await c.command('NEXT')).text).toBe(`2 ${local}`);
    expect((await c.command('NEXT')).code).toBe(421);
    expect((await c.command('HEAD')).text).toBe(`2 ${local}`);
    expect((await c.command('LAST')).text).toBe(`1 ${posted}`);
    expect((await c.command('ARTICLE 99')).code).toBe(423);
    expect((await c.command('ARTICLE <nope@nowhere>')).code).toBe(430);
    expect((await c.command('ARTICLE x1')).code).toBe(501);
    const lg = await c.command('LISTGROUP test.nntp 2-');
    expect(lg.text).toBe('2 1 2 test.nntp list follows');
    expect(lines(lg)).toEqual(['2']);
  });

  it('gives overview from the index, with :bytes and :lines that match ARTICLE', async () => {
    await c.command('GROUP test.nntp');
    const fmt = lines(await c.command('LIST OVERVIEW.FMT'));
    expect(fmt).toEqual(['Subject:', 'From:', 'Date:', 'Message-ID:', 'References:', ':bytes', ':lines', 'Xref:full']);
    const over = lines(await c.command('OVER 1-2'));
    expect(over).toHaveLength(2);
    for (const line of over) {
      const f = line.split('\t');
      const art = await c.command(`ARTICLE ${f[0]}`);
      expect(Number(f[6])).toBe(art.block!.length);
      const body = art.block!.subarray(art.block!.indexOf('\r\n\r\n') + 4);
      expect(Number(f[7])).toBe(body.toString().split('\r\n').length - 1);
      expect(f[8]).toBe(`Xref: reader-node test.nntp:${f[0]}`);
    }
    expect(over[1].split('\t').slice(1, 6)).toEqual(['from the wëb', 'Wëb <web@example.org>', expect.stringMatching(/ \+0000$/), local, posted]);
    expect(lines(await c.command(`OVER ${posted}`))[0]).toMatch(/^0\thello over nntp\t/);
    expect(lines(await c.command('XOVER 2'))).toHaveLength(1);
    expect((await c.command('OVER 50-60')).code).toBe(423);
    expect((await c.command(`XOVER ${posted}`)).code).toBe(501);
  });

  it('answers HDR and XHDR from the index or, for other headers, from the article', async () => {
    await c.command('GROUP test.nntp');
    expect(lines(await c.command('HDR Subject 1-'))).toEqual(['1 hello over nntp', '2 from the wëb']);
    expect(lines(await c.command('XHDR message-id 1'))).toEqual([`1 ${posted}`]);
    expect(lines(await c.command('HDR Organization 1-2'))).toEqual(['1 Test Org', '2 ']);
    expect(lines(await c.command(`HDR :bytes ${posted}`))[0]).toMatch(/^0 \d+$/);
    expect(lines(await c.command(`XHDR x_odd.name ${posted}`))).toEqual([`${posted} kept on the wire`]);
    expect(lines(await c.command('LIST HEADERS'))).toEqual([':', ':bytes', ':lines']);
  });

  it('lists groups in every RFC 3977 / RFC 6048 form', async () => {
    await post(c, article({ groups: 'other.group' }));
    expect(lines(await c.command('LIST'))).toEqual(['other.group 1 1 y', 'test.nntp 2 1 y']);
    expect(lines(await c.command('LIST ACTIVE test.*'))).toEqual(['test.nntp 2 1 y']);
    expect(lines(await c.command('LIST COUNTS'))).toEqual(['other.group 1 1 1 y', 'test.nntp 2 1 2 y']);
    expect(lines(await c.command('LIST NEWSGROUPS *.group'))).toEqual(['other.group\t?']);
    expect(lines(await c.command('LIST ACTIVE.TIMES test.nntp'))[0]).toMatch(/^test\.nntp \d{10} reader-node$/);
    expect((await c.command('LIST MOTD')).code).toBe(503);
    expect((await c.command('LIST NONSENSE')).code).toBe(501);
  });

  it('answers NEWGROUPS and NEWNEWS by arrival time', async () => {
    const now = Date.now();
    const past = nntpTimestamp(now - 3_600_000);
    const future = nntpTimestamp(now + 3_600_000);
    expect(lines(await c.command(`NEWGROUPS ${past.slice(0, 8)} ${past.slice(8)} GMT`))).toEqual(expect.arrayContaining(['test.nntp 2 1 y']));
    expect(lines(await c.command(`NEWGROUPS ${future.slice(2, 8)} ${future.slice(8)}`))).toEqual([]);
    const ids = lines(await c.command(`NEWNEWS test.* ${past.slice(0, 8)} ${past.slice(8)} GMT`));
    expect(ids.sort()).toEqual([posted, local].sort());
    expect(lines(await c.command(`NEWNEWS * ${future.slice(0, 8)} ${future.slice(8)}`))).toEqual([]);
    expect((await c.command('NEWNEWS * 2026 0000')).code).toBe(501);
  });

  it('refuses bad posts with 441 and the reason', async () => {
    const noFrom = wire(['Newsgroups: test.nntp', 'Subject: s', '', 'b']);
    expect(await post(c, noFrom)).toMatchObject({ code: 441, text: expect.stringMatching(/missing From header/) });
    expect(await post(c, article({ groups: 'Bad Group' }))).toMatchObject({ code: 441, text: expect.stringMatching(/newsgroups/) });
    expect(await post(c, article({ id: posted }))).toMatchObject({ code: 441, text: expect.stringMatching(/duplicate/) });
    expect(await post(c, article({ extra: ['Injection-Info: elsewhere'] }))).toMatchObject({ code: 441, text: expect.stringMatching(/Injection-Info/) });
    const huge = article({ body: ['x'.repeat(1000)].concat(Array.from({ length: 1100 }, () => 'y'.repeat(998))) });
    expect(await post(c, huge)).toMatchObject({ code: 441, text: expect.stringMatching(/more than the limit/) });
    // The connection is still in step after every refusal.
    expect((await c.command('DATE')).code).toBe(111);
  });

  it('numbers a crosspost in each group and lists both in Xref', async () => {
    const r = await post(c, article({ groups: 'test.nntp,other.group', subject: 'crossposted' }));
    const id = /<[^>]+>/.exec(r.text)![0];
    await c.command('GROUP other.group');
    const over = lines(await c.command('OVER 2'))[0].split('\t');
    expect(over[4]).toBe(id);
    expect(over[8]).toBe('Xref: reader-node test.nntp:3 other.group:2');
    expect((await c.command(`ARTICLE ${id}`)).block!.toString()).toMatch(/^Xref: reader-node test\.nntp:3 other\.group:2\r$/m);
  });

  it('keeps transit to NNTP peers and stays in step when a reader tries it', async () => {
    expect((await c.command('CHECK <a@b>')).code).toBe(502);
    expect((await c.command('MODE STREAM')).code).toBe(502);
    expect((await c.command('IHAVE <a@b>')).code).toBe(502);
    const [taken, after] = await Promise.all(c.writeMany('TAKETHIS <t@b>\r\nFrom: x\r\nQUIT\r\n\r\nbody\r\n.\r\nDATE\r\n', ['TAKETHIS', 'DATE']));
    expect(taken.code).toBe(502);
    expect(after.code).toBe(111);
  });
});

describe('AUTHINFO on a port that is not on loopback', () => {
  let open: TestNode;
  let closed: TestNode;
  afterAll(async () => {
    await open?.destroy();
    await closed?.destroy();
  });

  it('needs AUTHINFO USER/PASS (the owner\'s password) to post', async () => {
    open = await startTestNode({ nntp: '0.0.0.0:0', webPassword: 'correct horse' });
    const port = new URL(open.nntpUrl!).port;
    const r = await nntpConnect(`nntp://127.0.0.1:${port}`);
    expect(r.greeting.code).toBe(200);
    expect(lines(await r.command('CAPABILITIES'))).toContain('AUTHINFO USER');
    expect((await r.command('POST')).code).toBe(480);
    expect((await r.command('AUTHINFO PASS x')).code).toBe(482);
    expect((await r.command('AUTHINFO USER owner')).code).toBe(381);
    expect((await r.command('AUTHINFO PASS wrong')).code).toBe(481);
    await r.command('AUTHINFO USER owner');
    expect((await r.command('AUTHINFO PASS correct horse')).code).toBe(281);
    expect(lines(await r.command('CAPABILITIES'))).not.toContain('AUTHINFO USER');
    expect((await post(r, article())).code).toBe(240);
    // Reading is open (--public-read on).
    expect((await r.command('GROUP test.nntp')).code).toBe(211);
    await r.quit();
  });

  it('with --public-read off and a password, reading needs AUTHINFO too', async () => {
    const node = await startTestNode({ nntp: '0.0.0.0:0', publicRead: 'off', webPassword: 'correct horse' });
    try {
      const r = await nntpConnect(`nntp://127.0.0.1:${new URL(node.nntpUrl!).port}`);
      expect((await r.command('GROUP test.nntp')).code).toBe(480);
      await r.command('AUTHINFO USER owner');
      expect((await r.command('AUTHINFO PASS correct horse')).code).toBe(281);
      expect((await r.command('GROUP test.nntp')).code).toBe(411);
      await r.quit();
    } finally {
      await node.destroy();
    }
  });

  it('without a password nobody posts, and with --public-read off nobody reads', async () => {
    closed = await startTestNode({ nntp: '0.0.0.0:0', publicRead: 'off' });
    const r = await nntpConnect(`nntp://127.0.0.1:${new URL(closed.nntpUrl!).port}`);
    expect(r.greeting.code).toBe(201);
    expect((await r.command('POST')).code).toBe(440);
    expect((await r.command('GROUP test.nntp')).code).toBe(502);
    expect((await r.command('AUTHINFO USER x')).code).toBe(502);
    await r.quit();
  });
});
