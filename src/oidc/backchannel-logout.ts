/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a Poort session ends, each client the session
 * logged into that registered a `backchannel_logout_uri` gets a signed logout token, so the platform ends its own
 * session too.
 *
 * - What ends a session hands its logouts here (`deliver`) and goes on at once: the request that caused it (a
 *   logout, a password change, a reset, a disable, a revoke) never waits for a client. oidc-provider's own
 *   end_session would wait for every delivery; provider.ts hands its deliveries here instead.
 * - The token is signed by the provider with its own keys (`providerSigner`, set once the provider exists: the
 *   container is built before it): iss, aud (the client), iat, exp (2 minutes), jti, sid, sub and the back-channel
 *   logout event; never a nonce.
 * - Each POST (`application/x-www-form-urlencoded`, `logout_token=…`) has a timeout; a timeout, a network error or a
 *   status other than 2xx is retried after a growing delay. After the last attempt the failure is logged and written
 *   to the audit log (`logout.backchannel_failed`), without the token. The POST goes through Node's own fetch, which
 *   reaches a client on localhost as any other (oidc-provider's request helper refuses loopback addresses).
 * - Deliveries live in this process: a restart drops those still in flight. `settle` waits for them (bounded), so a
 *   shutdown or a CLI command lets them finish first.
 */
import { randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Audit } from '../accounts/audit.ts';
import type { Logger } from '../log.ts';

/** One client to tell that a session ended: the session's `sid` for that client and whose session it was. */
export interface Logout {
  clientId: string;
  sid: string;
  accountId: string;
}

/** A logout token ready to post, and where. */
export interface SignedLogout {
  uri: string;
  token: string;
  /** The client's organisation (for the audit log). */
  organisationId?: string | undefined;
}

/** Signs the logout token for one client; undefined when the client has no back-channel logout URI (any more). */
export type LogoutSigner = (logout: Logout) => Promise<SignedLogout | undefined>;

export interface DeliveryOptions {
  /** POSTs per logout before it counts as failed (default 3). */
  attempts?: number;
  /** Waits before the second, third, … attempt, in milliseconds (default 1 s, then 5 s; the last repeats). */
  retryDelays?: readonly number[];
  /** How a delay is waited for (tests pass one that does not sleep). */
  wait?: (ms: number) => Promise<void>;
  /** The signal that ends one POST: its timeout (default 5 s). */
  abortAfter?: () => AbortSignal;
  /** The longest `settle` waits for deliveries in flight, in milliseconds (default 10 s). */
  settleWithin?: number;
}

export interface BackchannelLogoutDeps extends DeliveryOptions {
  audit: Pick<Audit, 'record'>;
  logger: Logger;
}

export interface BackchannelLogout {
  /** The signer, once the provider exists. */
  useSigner(signer: LogoutSigner): void;
  /** Starts delivering these logouts and returns at once. */
  deliver(logouts: readonly Logout[]): void;
  /** Waits until the deliveries in flight are done, at most `settleWithin`. */
  settle(): Promise<void>;
}

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Why one POST did not count as delivered, in words fit for a log line (never the token or the response body). */
function failureOf(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable';
}

export function createBackchannelLogout(deps: BackchannelLogoutDeps): BackchannelLogout {
  const attempts = Math.max(1, deps.attempts ?? 3);
  const delays = deps.retryDelays?.length ? deps.retryDelays : [1000, 5000];
  const wait = deps.wait ?? sleep;
  const abortAfter = deps.abortAfter ?? (() => AbortSignal.timeout(5000));
  const settleWithin = deps.settleWithin ?? 10_000;
  const inFlight = new Set<Promise<void>>();
  let signer: LogoutSigner | undefined;

  /** One POST of the token: undefined when the client took it, else why not. */
  async function post(signed: SignedLogout): Promise<string | undefined> {
    try {
      const response = await fetch(signed.uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: signed.token }),
        redirect: 'manual',
        signal: abortAfter(),
      });
      await response.body?.cancel();
      return response.ok ? undefined : `status ${response.status}`;
    } catch (error) {
      return failureOf(error);
    }
  }

  async function failed(logout: Logout, organisationId: string | undefined, tries: number, reason: string): Promise<void> {
    deps.logger.warn({ clientId: logout.clientId, accountId: logout.accountId, attempts: tries, reason }, 'back-channel logout failed');
    await deps.audit.record({
      type: 'logout.backchannel_failed',
      organisationId,
      targetId: logout.accountId,
      data: { clientId: logout.clientId, attempts: tries, reason },
    });
  }

  async function deliverOne(logout: Logout): Promise<void> {
    let signed: SignedLogout | undefined;
    try {
      if (!signer) throw new Error('no signer');
      signed = await signer(logout);
    } catch (error) {
      deps.logger.error({ err: error, clientId: logout.clientId }, 'logout token not signed');
      return failed(logout, undefined, 0, 'not signed');
    }
    if (!signed) return;
    let reason: string | undefined;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) await wait(delays[Math.min(attempt - 2, delays.length - 1)] ?? 0);
      reason = await post(signed);
      if (reason === undefined) {
        deps.logger.debug({ clientId: logout.clientId, attempts: attempt }, 'back-channel logout delivered');
        return;
      }
    }
    await failed(logout, signed.organisationId, attempts, reason ?? 'unknown');
  }

  return {
    useSigner(next) {
      signer = next;
    },
    deliver(logouts) {
      for (const logout of logouts) {
        const task = deliverOne(logout).catch((error: unknown) => {
          deps.logger.error({ err: error, clientId: logout.clientId }, 'back-channel logout failed');
        });
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
      }
    },
    async settle() {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, settleWithin);
        timer.unref();
      });
      const done = (async () => {
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      })();
      await Promise.race([done, bound]);
      clearTimeout(timer);
    },
  };
}

/**
 * The provider's signer: the logout token as oidc-provider's own back-channel logout builds it (an IdToken for
 * `use: 'logout'`, with the client's ID-token signing algorithm and the provider's keys).
 */
export function providerSigner(provider: Provider): LogoutSigner {
  return async ({ clientId, sid, accountId }) => {
    const client = await provider.Client.find(clientId);
    const uri = client?.backchannelLogoutUri;
    if (!client || !uri) return undefined;
    const token = new provider.IdToken({ sub: accountId }, { client });
    // Only `sub` of the claims given (oidc-provider masks a logout token's claims the same way).
    (token as unknown as { mask: Record<string, null> }).mask = { sub: null };
    token.set('events', { [LOGOUT_EVENT]: {} });
    token.set('jti', randomUUID());
    token.set('sid', sid);
    const organisationId = client.metadata().organisation_id;
    return { uri, token: await token.issue({ use: 'logout' }), organisationId: typeof organisationId === 'string' ? organisationId : undefined };
  };
}
