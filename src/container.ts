/**
 * Composition root: builds every service from the configuration with explicit dependencies (no module singletons).
 * Tests build their own container with a database of their own.
 */
import { fileURLToPath } from 'node:url';
import type { Connection, mongo } from 'mongoose';
import type { Config } from '../config/schema.ts';
import { createAccountAdmin } from './accounts/account-admin.ts';
import { createAccountDirectory } from './accounts/account-directory.ts';
import { createAccounts } from './accounts/accounts.ts';
import { createInvitations } from './accounts/invitations.ts';
import { createPasswordChange } from './accounts/password-change.ts';
import { createPasswordCheck } from './accounts/password-check.ts';
import { createAudit } from './accounts/audit.ts';
import { createNotices } from './accounts/notices.ts';
import { createOrganisations } from './accounts/organisations.ts';
import { createPasswordLogin } from './accounts/password-login.ts';
import { createPasswordResets } from './accounts/password-reset.ts';
import { createTwoFactorReset } from './accounts/two-factor-reset.ts';
import { createAccountFlows } from './auth/account-flow.ts';
import { createPasswordHasher } from './auth/password.ts';
import { createThrottle } from './auth/throttle.ts';
import { createFactorRegistry, METHOD_IDS, RECOVERY_CODE } from './auth/factors/index.ts';
import { relyingParty } from './auth/factors/passkey.ts';
import { createRecoveryCodes } from './auth/factors/recovery-code.ts';
import { createSmsCodes } from './auth/factors/sms-codes.ts';
import { createSecondFactors, LOCK_AFTER } from './auth/second-factors.ts';
import { createSecretBox, storedMacKey } from './auth/secret-box.ts';
import { createSmsSender, smsAvailable } from './notify/sms.ts';
import { createLoginContexts } from './auth/login-context.ts';
import { createSessionActivities } from './auth/session-activity.ts';
import { connectDatabase } from './db/connection.ts';
import { bindModels, createIndexes } from './db/models/index.ts';
import { startPurgeJob } from './db/purge.ts';
import { createReadCache } from './db/read-cache.ts';
import { createViews } from './http/views.ts';
import { createLogger, type Logger } from './log.ts';
import type { Metrics } from './metrics/metrics.ts';
import { NO_METRICS, type Recorder } from './metrics/recorder.ts';
import { createRequestContext } from './request-context.ts';
import { createMailer } from './notify/mailer.ts';
import { createOutbox, type Outbox } from './notify/outbox.ts';
import { createRenderer } from './notify/render.ts';
import type { EndedSessions } from './accounts/ended-sessions.ts';
import { endSessionsOf, sessionsOf, type SessionChoice } from './oidc/account-sessions.ts';
import { createBackchannelLogout, type DeliveryOptions } from './oidc/backchannel-logout.ts';
import { createApiClients } from './oidc/api-clients.ts';
import { createOidcIndexes } from './oidc/adapter.ts';
import { createClientStore } from './oidc/client-store.ts';

export const VIEWS_DIR = fileURLToPath(new URL('../views', import.meta.url));
export const ASSETS_DIR = fileURLToPath(new URL('../assets', import.meta.url));

export interface ContainerOptions {
  logger?: Logger;
  /** Injected clock (tests); defaults to the wall clock. */
  now?: () => Date;
  /** Run the periodic purge job (the server does; one-shot commands do not). */
  purge?: boolean;
  /** Keep the development outbox in this file, shared with the CLI's processes (`npm run dev`). */
  outboxFile?: string;
  /** Back-channel logout timing: attempts, retry delays and how they are waited for, each POST's timeout (tests). */
  backchannelLogout?: DeliveryOptions;
}

export async function createContainer(config: Config, options: ContainerOptions = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  if (!config.mongodbUri) throw new Error('MONGODB_URI is not set');
  // Prometheus metrics only with a metrics listener (METRICS_PORT); otherwise the services record into NO_METRICS.
  // prom-client is loaded only then.
  const metrics: Metrics | undefined = config.metricsPort === undefined
    ? undefined
    : (await import('./metrics/metrics.ts')).createMetrics({ factors: [...METHOD_IDS, RECOVERY_CODE.id] });
  const record: Recorder = metrics ?? NO_METRICS;
  const connection: Connection = await connectDatabase({
    uri: config.mongodbUri, timeoutSeconds: config.databaseTimeout, logger, onCommand: metrics?.databaseCommand,
  });
  const db = connection.db as mongo.Db;
  const models = bindModels(connection);
  // Every collection's indexes at once, awaited below before Poort serves (a unique index must exist before the
  // first write it guards): one wait for the database instead of one per collection, a good part of a start.
  const indexes: Promise<unknown>[] = [createIndexes(models), createOidcIndexes(db)];

  // The request under way (app.ts runs every request in it): the audit log writes its id beside each event.
  const requestContext = createRequestContext();
  const audit = createAudit({ model: models.AuditEvent, logger, now, requestId: () => requestContext.current()?.requestId });
  // One per Poort: each request gets its own entries (src/db/read-cache.ts; app.ts runs every request in it).
  const readCache = createReadCache();
  const hasher = await createPasswordHasher({ maxConcurrent: config.hashConcurrency });
  metrics?.watchHashing(() => hasher.load());
  const clients = createClientStore(models.OidcClient);
  const passwordCheck = createPasswordCheck({ organisations: models.Organisation, platformName: async (id) => (await clients.platformOf(id))?.name });
  const accounts = createAccounts({ accounts: models.Account, organisations: models.Organisation, hasher, audit, cache: readCache, passwordCheck });
  const organisations = createOrganisations(models.Organisation, audit, readCache);
  const outbox: Outbox | undefined = config.devOutbox ? createOutbox(50, options.outboxFile) : undefined;
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, outbox, logger });
  const passwordThrottle = createThrottle(db, 'password');
  indexes.push(passwordThrottle.createIndexes());
  // Sealing under the encryption keys; keyed hashes under the MAC key stored (sealed) in the database.
  const box = createSecretBox(config.encryptionKeys, await storedMacKey(db, config.encryptionKeys, now));
  const codeThrottle = createThrottle(db, 'second_factor', { lockAfter: LOCK_AFTER });
  indexes.push(codeThrottle.createIndexes());
  const smsCodes = createSmsCodes(models.SmsCode, db, box, now);
  indexes.push(smsCodes.createIndexes());
  const smsSender = createSmsSender({ webhookUrl: config.smsWebhookUrl, secret: config.smsWebhookSecret, outbox, logger });
  const factorRegistry = createFactorRegistry({
    totp: { factors: models.SecondFactor, box, now },
    sms: { codes: smsCodes, sender: smsSender, accounts: models.Account, available: smsAvailable(config), appName: 'Poort', logger },
    passkey: {
      factors: models.SecondFactor, challenges: models.WebauthnChallenge, rp: relyingParty(config.issuer), now,
      cloneSuspected: ({ accountId, organisationId, credentialId }) =>
        audit.record({ type: 'two_factor.passkey_clone_suspected', organisationId, actorId: accountId, targetId: accountId, data: { credentialId } }),
    },
  });
  const secondFactors = createSecondFactors({
    factors: models.SecondFactor,
    enrolments: models.Enrolment,
    registry: factorRegistry,
    recovery: createRecoveryCodes(models.RecoveryCode, box, now),
    throttle: codeThrottle,
    now,
    cache: readCache,
    metrics: record,
  });
  const stopPurge = options.purge ? startPurgeJob(db, logger, { auditRetention: config.auditRetention, now }) : () => undefined;

  // Back-channel logout (src/oidc/backchannel-logout.ts); its signer is the provider, set when the app builds it.
  const backchannelLogout = createBackchannelLogout({ audit, logger, ...options.backchannelLogout });
  /**
   * The one way Poort ends an account's sessions (use cases, the account page, the admin API): the sessions and
   * their grants end, and each client they logged into gets its back-channel logout, sent in the background.
   */
  const endSessions = async (accountId: string, which: SessionChoice = {}): Promise<EndedSessions> => {
    const { logouts, ...ended } = await endSessionsOf(db, accountId, which);
    backchannelLogout.deliver(logouts);
    return ended;
  };

  const renderer = createRenderer(VIEWS_DIR);
  const notices = createNotices({ accounts: models.Account, mailer, renderer, logger, now });
  const sessionActivities = createSessionActivities(models.SessionActivity, now, config.sessionMaxAge);
  const loginContext = createLoginContexts({ accounts, organisations, factors: secondFactors });
  const passwordResets = createPasswordResets({
    resets: models.PasswordReset, accounts: models.Account, db, loginContext, hasher, passwordThrottle, passwordCheck,
    endSessions, sessionActivities, audit, notices, mailer, renderer,
    issuer: config.issuer, now, logger, metrics: record,
  });
  indexes.push(passwordResets.createIndexes());
  const invitations = createInvitations({
    accounts: models.Account, organisations: models.Organisation, links: models.PasswordReset, db, hasher, passwordCheck, audit, mailer, renderer,
    issuer: config.issuer, ttlSeconds: config.invitationTtl, now, logger,
  });
  indexes.push(invitations.createIndexes());
  // All settled before the first failure is thrown: none is left to fail unobserved.
  const failed = (await Promise.allSettled(indexes)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return {
    config,
    logger,
    now,
    connection,
    db,
    models,
    audit,
    hasher,
    outbox,
    mailer,
    renderer,
    notices,
    views: createViews(VIEWS_DIR, { cache: config.env !== 'development' }),
    readCache,
    requestContext,
    /** Prometheus metrics (src/metrics/), when METRICS_PORT is set: the registry the metrics listener serves. */
    metrics,
    organisations,
    accounts,
    clients,
    passwordCheck,
    passwordLogin: createPasswordLogin({ accounts: models.Account, findByEmail: accounts.findByEmail, hasher, audit, throttle: passwordThrottle, metrics: record }),
    secondFactors,
    box,
    sessionActivities,
    /** Invitations: the welcome e-mail and its link (CLI now, the admin API later). */
    invitations,
    /** The accounts of an organisation for administrators: list and search, name, language and role (CLI, admin API). */
    accountDirectory: createAccountDirectory({ accounts: models.Account, audit, cache: readCache }),
    /** The clients behind admin API tokens, read fresh on every call (src/oidc/api-clients.ts). */
    apiClients: createApiClients(models.OidcClient),
    /** Account status (disable, enable, ending sessions) and the professional ↔ client links (CLI, admin API). */
    accountAdmin: createAccountAdmin({
      accounts: models.Account, endSessions, sessionActivities, audit, cache: readCache,
    }),
    /** The second-factor reset by an operator or a manager (CLI, admin API). */
    resetTwoFactor: createTwoFactorReset({
      accounts: models.Account, secondFactors, endSessions, sessionActivities, audit, notices, metrics: record,
    }),
    /** The account security page: its per-session state, and the password change. */
    accountFlows: createAccountFlows(models.AccountFlow, box, now),
    passwordChange: createPasswordChange({
      accounts: models.Account, hasher, passwordCheck, endSessions, sessionActivities, now,
    }),
    loginContext,
    /** Ends an account's sessions and grants, with their back-channel logouts (see above). */
    endSessions,
    /** The account's live browser sessions (the account page's list). */
    browserSessions: (accountId: string) => sessionsOf(db, accountId, now),
    backchannelLogout,
    /** Forgot password: the e-mailed link, its code step and the new password. */
    passwordResets,
    async close(): Promise<void> {
      stopPurge();
      // Requests answered already may still be sending their mail.
      await passwordResets.settle();
      await invitations.settle();
      await backchannelLogout.settle();
      await mailer.close();
      await connection.close();
    },
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
