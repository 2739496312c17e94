/**
 * A real HTTP front door to a node's peer port whose behaviour a test switches: `pass`
 * forwards everything, `groups-only` forwards only GET /v1/groups (the check a new mirror job
 * makes) and drops every other request's connection, `drop` drops all, `silent` keeps every
 * connection open and never answers (a peer that hangs), `held` keeps requests waiting until
 * `release()` forwards them all at once, `held-but-groups` holds all but GET /v1/groups. It makes "the peer went away after the job started"
 * or "both checks are in flight" happen on cue, without sleeps.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type DoorMode = 'pass' | 'groups-only' | 'drop' | 'silent' | 'held' | 'held-but-groups';

export interface FrontDoor {
  url: string;
  mode: DoorMode;
  /** Requests seen per path (query cut). */
  seen: Record<string, number>;
  /** Every request seen, `METHOD path?query`, in arrival order. */
  log: string[];
  /** Leaves `held`: forwards the waiting requests and passes the next ones. */
  release(): void;
  close(): Promise<void>;
}

export async function frontDoor(target: string, mode: DoorMode = 'pass'): Promise<FrontDoor> {
  const to = new URL(target);
  const waiting: (() => void)[] = [];
  const door: FrontDoor = {
    url: '',
    mode,
    seen: {},
    log: [],
    release: () => {
      door.mode = 'pass';
      for (const go of waiting.splice(0)) go();
    },
    close: async () => undefined,
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    door.seen[path] = (door.seen[path] ?? 0) + 1;
    door.log.push(`${req.method} ${req.url}`);
    if (door.mode === 'silent') return;
    if (door.mode === 'drop' || (door.mode === 'groups-only' && path !== '/v1/groups')) {
      req.socket.destroy();
      return;
    }
    if (door.mode === 'held' || (door.mode === 'held-but-groups' && path !== '/v1/groups')) waiting.push(() => forward(req, res));
    else forward(req, res);
  });
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => req.socket.destroy());
    req.pipe(out);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  door.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  door.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return door;
}
