/** Starts Poort on a port and stops it gracefully: stop accepting, let requests finish, close the database. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.ts';
import { createApp } from './app.ts';
import { createContainer, type Container, type ContainerOptions } from './container.ts';

const DRAIN_MS = 10_000;

export interface RunningServer {
  server: Server;
  container: Container;
  /** The address actually bound, e.g. http://127.0.0.1:43117 (the issuer may differ behind a proxy). */
  address: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, options: ContainerOptions = {}): Promise<RunningServer> {
  const container = await createContainer(config, options);
  const app = createApp(container);
  const server = app.listen(config.port);
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    container,
    address: `http://127.0.0.1:${port}`,
    close() {
      closing ??= (async () => {
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // A connection busy at shutdown is closed once its response is done, not kept alive until keepAliveTimeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
        await drained;
        clearInterval(sweep);
        clearTimeout(force);
        await container.close();
      })();
      return closing;
    },
  };
}
