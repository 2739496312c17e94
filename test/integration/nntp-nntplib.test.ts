/**
 * The reader port driven by a real newsreader library: Python 3.11's nntplib (later Pythons
 * dropped it) posts, lists, reads overview and articles, follows NEWNEWS and walks a group.
 * Skipped loudly when python3 with nntplib is missing; under CI=true that is a failure.
 */
import { spawnSync, spawn } from 'node:child_process';
import { startTestNode, type TestNode } from '../helpers/node';
import { hostPort } from '../helpers/nntp';

const probe = spawnSync('python3', ['-W', 'ignore', '-c', 'import nntplib'], { encoding: 'utf8' });
const available = probe.status === 0;
if (!available) {
  const why = `python3 with nntplib is missing (${(probe.stderr || String(probe.error ?? '')).trim().slice(0, 200)})`;
  if (process.env.CI === 'true') throw new Error(`${why}: CI must run the nntplib test`);
  console.warn(`\n*** SKIPPING the nntplib test: ${why} ***\n`);
}

const SCRIPT = String.raw`
import io, json, sys, datetime, nntplib
host, port = sys.argv[1], int(sys.argv[2])
out = {}
s = nntplib.NNTP(host, port, readermode=True)
out['welcome'] = s.getwelcome()
out['caps'] = sorted(s.getcapabilities().keys())
art = ("From: Py Thon <py@example.org>\r\nNewsgroups: test.py\r\nSubject: from nntplib \u00e9\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n\r\nline one\r\n.dotted line\r\n").encode('utf-8')
out['post'] = s.post(io.BytesIO(art))
resp, count, first, last, name = s.group('test.py')
out['group'] = [count, first, last, name]
resp, overviews = s.over((first, last))
out['over'] = [{k: v for k, v in o.items()} for _, o in overviews]
resp, info = s.article(first)
out['article'] = [l.decode('utf-8', 'replace') for l in info.lines]
out['head'] = len(s.head(first)[1].lines)
out['body'] = [l.decode() for l in s.body(first)[1].lines]
out['stat'] = s.stat(first)[2]
out['xhdr'] = s.xhdr('subject', '%d-' % first)[1]
resp, groups = s.list('test.*')
out['list'] = [[g.group, g.last, g.first, g.flag] for g in groups]
out['descriptions'] = sorted(s.descriptions('test.*')[1].keys())
since = datetime.datetime.utcnow() - datetime.timedelta(hours=1)
out['newnews'] = s.newnews('test.*', since)[1]
out['newgroups'] = [g.group for g in s.newgroups(since)[1]]
out['date'] = s.date()[1].year
s.post(io.BytesIO(b"From: py@example.org\r\nNewsgroups: test.py\r\nSubject: second\r\n\r\nx\r\n"))
s.group('test.py')
out['next'] = s.next()[1]
out['last'] = s.last()[1]
try:
    s.post(io.BytesIO(b"Newsgroups: test.py\r\nSubject: no from\r\n\r\nx\r\n"))
    out['bad_post'] = 'accepted'
except nntplib.NNTPTemporaryError as e:
    out['bad_post'] = str(e)
out['quit'] = s.quit()
print(json.dumps(out))
`;

function runPython(host: string, port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-W', 'ignore', '-c', SCRIPT, host, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Record<string, unknown>) : reject(new Error(`nntplib script exited ${code}: ${stderr}`))));
  });
}

(available ? describe : describe.skip)('the reader port with Python nntplib', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ name: 'py-node' });
  });
  afterAll(() => node.destroy());

  it('posts, lists, reads overview, articles and new news, and walks the group', async () => {
    const { host, port } = hostPort(node.nntpUrl!);
    const out = await runPython(host, port);
    expect(out.welcome).toMatch(/^200 py-node /);
    expect(out.caps).toEqual(expect.arrayContaining(['READER', 'POST', 'OVER', 'HDR', 'LIST', 'NEWNEWS']));
    expect(out.post).toMatch(/^240 /);
    const id = /<[^>]+>/.exec(out.post as string)![0];
    expect(out.group).toEqual([1, 1, 1, 'test.py']);
    const [ov] = out.over as Record<string, string>[];
    expect(ov).toMatchObject({ subject: 'from nntplib é', from: 'Py Thon <py@example.org>', 'message-id': id, ':lines': '2', xref: 'py-node test.py:1' });
    const article = out.article as string[];
    expect(article[0]).toBe('Path: py-node!.POSTED.127.0.0.1!not-for-mail');
    expect(article.slice(-2)).toEqual(['line one', '.dotted line']);
    expect(Number(ov[':bytes'])).toBe(Buffer.byteLength(article.join('\r\n') + '\r\n'));
    expect(out.body).toEqual(['line one', '.dotted line']);
    expect(out.stat).toBe(id);
    expect(out.xhdr).toEqual([['1', 'from nntplib é']]);
    expect(out.list).toEqual([['test.py', '1', '1', 'y']]);
    expect(out.newnews).toEqual([id]);
    expect(out.newgroups).toEqual(['test.py']);
    expect(out.descriptions).toEqual(['test.py']);
    expect(out.next).toBe(2);
    expect(out.last).toBe(1);
    expect(out.bad_post).toMatch(/^441 .*missing From header/);
    expect(out.quit).toMatch(/^205/);
    // The post is an article of the node like any other.
    const json = (await (await fetch(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`)).json()) as { subject: string; path: string[] };
    expect(json).toMatchObject({ subject: 'from nntplib é', path: ['py-node'] });
  });
});
