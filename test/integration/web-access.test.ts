/**
 * Who may write through the web listener: a non-loopback --web without a password refuses
 * to start (before binding anything); with a password, reading stays open and every write,
 * pages and JSON API alike, needs it.
 */
import { startNode } from '../../node/main';
import { silentLogger } from '../../node/logger';
import { webPart } from '../../web/part';
import { checkWebAccess, presentedPassword } from '../../web/access';
import { NodeConfigSchema } from '../../node/config';
import { startTestNode, type TestNode } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { runCli } from '../helpers/process';
import { inputValue, WebClient } from './web-client';

const PASSWORD = 'correct horse battery';
const basic = (pw: string) => `Basic ${Buffer.from(`me:${pw}`).toString('base64')}`;

describe('web access', () => {
  it('refuses a non-loopback --web without a password, with a clear reason, and frees the data dir', async () => {
    const tmp = tempDir();
    try {
      // Port 1 on 0.0.0.0 is never bound: the check runs before any listener.
      await expect(startNode({ data: tmp.dir, web: '0.0.0.0:1', listen: '127.0.0.1:0' }, { logger: silentLogger(), parts: [webPart] })).rejects.toThrow(
        /--web 0\.0\.0\.0:1 is not a loopback address.*--web-password/,
      );
      // The store was closed: the same dir opens again.
      const again = await startNode({ data: tmp.dir, web: '127.0.0.1:0', listen: '127.0.0.1:0' }, { logger: silentLogger(), parts: [webPart] });
      await again.close();
    } finally {
      tmp.cleanup();
    }
    expect(() => checkWebAccess(NodeConfigSchema.parse({ web: '0.0.0.0:8080', webPassword: PASSWORD }))).not.toThrow();
    expect(() => checkWebAccess(NodeConfigSchema.parse({ web: '[::1]:8080' }))).not.toThrow();
    expect(() => checkWebAccess(NodeConfigSchema.parse({ web: '192.168.1.5:8080' }))).toThrow(/not a loopback/);
  });

  it('makes `newsmesh start` exit with a one-line reason for a non-loopback --web without a password', async () => {
    const tmp = tempDir();
    try {
      const res = await runCli(['start', '--data', tmp.dir, '--web', '0.0.0.0:1', '--listen', '127.0.0.1:0']);
      expect(res.code).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr.trim()).toMatch(/^newsmesh: --web 0\.0\.0\.0:1 is not a loopback address.*--web-password/);
    } finally {
      tmp.cleanup();
    }
  });

  it('reads the password from Basic and Bearer authorization', () => {
    expect(presentedPassword(basic('a:b'))).toBe('a:b');
    expect(presentedPassword(`Bearer ${PASSWORD}`)).toBe(PASSWORD);
    expect(presentedPassword('Digest x')).toBeUndefined();
    expect(presentedPassword(undefined)).toBeUndefined();
  });

  describe('with --web-password', () => {
    let node: TestNode;
    beforeAll(async () => {
      node = await startTestNode({ webPassword: PASSWORD }, { parts: [webPart] });
    });
    afterAll(() => node.destroy());

    it('lets anyone read but asks for the password on every write', async () => {
      const anon = new WebClient(node.webUrl);
      expect((await anon.get('/')).status).toBe(200);
      const form = await anon.get('/g/test.pw/new');
      expect(form.status).toBe(200);
      const fields = { _csrf: inputValue(form.html, '_csrf')!, from: 'x', subject: 's', body: 'b' };
      const refused = await anon.post('/g/test.pw/new', fields);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="newsmesh"/);
      expect((await anon.post('/g/test.pw/new', fields, { authorization: basic('wrong password') })).status).toBe(401);
      expect((await anon.post('/g/test.pw/new', fields, { authorization: basic(PASSWORD) })).status).toBe(303);

      const api = (authorization?: string) =>
        fetch(`${node.webUrl}/api/articles`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ newsgroups: ['test.pw'], from: 'a', subject: 's', body: 'b' }),
        });
      const noAuth = await api();
      expect(noAuth.status).toBe(401);
      expect(((await noAuth.json()) as { error: { code: string } }).error.code).toBe('NM_ERR_UNAUTHORIZED');
      expect((await api(`Bearer ${PASSWORD}`)).status).toBe(201);
      expect((await fetch(`${node.webUrl}/api/groups`)).status).toBe(200);
    });
  });
});
