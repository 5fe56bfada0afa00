/** Starts Poort on a port and stops it gracefully: stop accepting, let requests finish, close the database. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { createApp } from './app.ts';
import { createContainer, type Container, type ContainerOptions } from './container.ts';
import { startMetricsListener, type MetricsListener } from './metrics/listener.ts';

export interface RunningServer {
  server: Server;
  container: Container;
  /** The oidc-provider instance, which is the Koa app the server runs. */
  provider: Provider;
  /** The address actually bound, e.g. http://127.0.0.1:43117 (the issuer may differ behind a proxy). */
  address: string;
  /** The Prometheus listener (METRICS_HOST:METRICS_PORT, GET /metrics only), when METRICS_PORT is set. */
  metrics: MetricsListener | undefined;
  /**
   * Graceful stop: refuse new connections, answer every request already received (each with `Connection: close`,
   * so no client sends another one on that connection), close idle keep-alive connections, and after
   * `config.shutdownGrace` close whatever is still open; then the database.
   */
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

  // Metrics on a listener of their own, never the public port (loopback unless METRICS_HOST says otherwise).
  let metrics: MetricsListener | undefined;
  if (container.metrics && config.metricsPort !== undefined) {
    try {
      metrics = await startMetricsListener(container.metrics.registry, config.metricsHost, config.metricsPort);
    } catch (error) {
      server.close();
      await container.close();
      throw new Error(`Cannot listen for metrics on ${config.metricsHost}:${config.metricsPort}: ${(error as Error).message}`);
    }
    container.logger.info({ address: metrics.address }, 'metrics listening');
  }

  // Responses not yet sent: when the drain begins, they learn to close their connection afterwards.
  const pending = new Set<ServerResponse>();
  let draining = false;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      return;
    }
    pending.add(res);
    res.once('close', () => pending.delete(res));
  });

  let closing: Promise<void> | undefined;
  return {
    server,
    container,
    provider: app,
    address: `http://127.0.0.1:${port}`,
    metrics,
    close() {
      closing ??= (async () => {
        draining = true;
        for (const res of pending) if (!res.headersSent) res.setHeader('Connection', 'close');
        pending.clear();
        // Stops listening (new connections are refused) and closes the connections that are idle right now.
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        // A response already under way when the drain began could not carry the header: close its connection as
        // soon as it is idle instead of keeping it alive until keepAliveTimeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownGrace * 1000);
        await drained;
        clearInterval(sweep);
        clearTimeout(force);
        await metrics?.close();
        await container.close();
      })();
      return closing;
    },
  };
}
