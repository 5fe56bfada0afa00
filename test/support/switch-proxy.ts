/**
 * A tiny reverse proxy in front of several Poort nodes, standing where an operator's load balancer stands: the public
 * address (the nodes' ISSUER) is the proxy's. Each request goes to the node the test chose (`use('A')`) or, with
 * `use('round-robin')`, to the next node in turn; the proxy records which node served each request.
 *
 * The request goes on as it came (method, path, headers, body; Host kept, so a node sees the public host). With
 * `forwarded: true` the proxy also adds X-Forwarded-For/-Proto/-Host, as a proxy does for a Poort told to trust them
 * (TRUST_PROXY=true); without it, it adds none (an untrusting Poort would refuse forwarded headers).
 */
import { Agent, createServer, request as forward, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  /** The node that answered. */
  node: string;
  method: string;
  /** Path without the query string (which carries codes and states). */
  path: string;
  status: number;
}

export type Choice = string | 'round-robin';

export interface SwitchProxy {
  /** http://127.0.0.1:<port>: the public address, the ISSUER of every node behind it. */
  url: string;
  /** Adds (or replaces) a node by name, at the address where it listens. */
  add(name: string, address: string): void;
  /**
   * Where the next requests go: one node by name, or each node in turn (in the order added). Switching to
   * round-robin starts at the first node; choosing round-robin again while in it keeps the turn.
   */
  use(choice: Choice): void;
  /** Every request answered so far, in the order they arrived. */
  readonly served: readonly Served[];
  /** The requests that arrived since `mark` (an index: `served.length` taken before). */
  since(mark: number): Served[];
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): they concern one connection and are not passed on. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

export async function startSwitchProxy(options: { forwarded?: boolean } = {}): Promise<SwitchProxy> {
  const nodes = new Map<string, URL>();
  const served: Served[] = [];
  let choice: Choice = 'round-robin';
  let turn = 0;
  const upstream = new Agent({ keepAlive: true });

  const pick = (): string => {
    const names = [...nodes.keys()];
    if (names.length === 0) throw new Error('the proxy has no node');
    if (choice !== 'round-robin') {
      if (!nodes.has(choice)) throw new Error(`the proxy has no node ${choice}`);
      return choice;
    }
    const name = names[turn % names.length] as string;
    turn += 1;
    return name;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const node = pick();
    const target = nodes.get(node) as URL;
    const entry: Served = { node, method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/', status: 0 };
    served.push(entry);
    const headers: OutgoingHttpHeaders = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    if (options.forwarded) {
      const client = req.socket.remoteAddress ?? '';
      const before = req.headers['x-forwarded-for'];
      headers['x-forwarded-for'] = before ? `${String(before)}, ${client}` : client;
      headers['x-forwarded-proto'] = 'http';
      headers['x-forwarded-host'] = req.headers.host ?? '';
    }
    const out = forward({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: upstream }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      const back: OutgoingHttpHeaders = { ...answer.headers };
      for (const name of HOP_BY_HOP) delete back[name];
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
    });
    out.on('error', (error) => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: node ${node} did not answer (${error.message})`);
    });
    req.pipe(out);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    add(name, address) {
      nodes.set(name, new URL(address));
    },
    use(next) {
      if (next !== choice) turn = 0;
      choice = next;
    },
    served,
    since: (mark) => served.slice(mark),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      upstream.destroy();
      await closed;
    },
  };
}
