/** oidc-provider's events, counted: token endpoint responses by grant type, its refusals, and its server errors. */
import type Provider from 'oidc-provider';
import type { Recorder } from './recorder.ts';

export function recordProviderEvents(provider: Provider, metrics: Pick<Recorder, 'tokenIssued' | 'tokenRefused' | 'providerError'>): void {
  // Emitted once per successful token response, whatever it holds (access, ID and refresh tokens).
  provider.on('grant.success', (ctx) => metrics.tokenIssued(ctx.oidc.params?.grant_type));
  provider.on('grant.error', (_ctx, error) => metrics.tokenRefused(error.error));
  provider.on('server_error', () => metrics.providerError());
}
