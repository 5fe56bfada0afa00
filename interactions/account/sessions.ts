/**
 * "Where you are logged in" on the account page: the person's live Poort sessions (the browser and system named
 * from the User-Agent the session was last saved with, parsed by bowser; when it was last active), this browser's
 * marked, and "Log out" for each other one plus "Log out everywhere else". Ending a session ends its grants (refresh
 * and access tokens) and, through back-channel logout, the platform's sessions it served.
 *
 * A row is named by the session uid (a lookup key, not a credential; never the session id or a cookie value). A
 * posted uid is only ever looked up among the page's person's own sessions, so another person's uid ends nothing,
 * and the answer is the one for a session that has already ended.
 */
import { createRequire } from 'node:module';
import type BowserModule from 'bowser';
import type { Context } from 'koa';
import { z } from 'zod';
import { translator, type Locale, type Translate } from '../../src/i18n/index.ts';
import type { AccountDeps } from './deps.ts';
import { back, begin, flash, type Person } from './person.ts';

/** bowser loads with the first list of sessions shown, not at start. */
const bowser = (): typeof BowserModule => createRequire(import.meta.url)('bowser') as typeof BowserModule;

export const SESSIONS_SECTION = 'sessions';

export interface SessionRow {
  /** The session uid, the form's value for "Log out". */
  id: string;
  device: string;
  lastUsed: string;
  current: boolean;
}

/** "Chrome on Windows", or what is known of it. */
export function deviceName(userAgent: string | undefined, t: Translate): string {
  let browser = '';
  let os = '';
  try {
    const parsed = userAgent ? bowser().parse(userAgent) : undefined;
    browser = parsed?.browser.name ?? '';
    os = parsed?.os.name ?? '';
  } catch {
    // An unreadable User-Agent names no device.
  }
  if (browser && os) return t('account.sessions.device', { browser, os });
  return browser || os || t('account.sessions.unknownDevice');
}

/** When, roughly, relative to now ("5 minutes ago", "yesterday"), in the page's language; no time zone involved. */
export function relativeTime(at: Date, now: Date, locale: Locale): string {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const seconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (seconds < 60) return format.format(0, 'second');
  if (seconds < 3600) return format.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86_400) return format.format(-Math.floor(seconds / 3600), 'hour');
  if (seconds < 7 * 86_400) return format.format(-Math.floor(seconds / 86_400), 'day');
  return format.format(-Math.floor(seconds / (7 * 86_400)), 'week');
}

/** The rows of the list: this browser first, then the others by last activity. */
export async function sessionRows(deps: AccountDeps, person: Person): Promise<SessionRow[]> {
  const t = translator(person.locale);
  const now = deps.now();
  const sessions = await deps.sessions.list(person.account._id);
  const rows = await Promise.all(sessions.map(async (session) => {
    // Last activity as the session timers record it (an accepted authorization, the account page), else its login.
    const activity = await deps.sessionActivities.get(session.uid);
    const lastActive = activity?.lastActiveAt ?? session.loginAt ?? now;
    return {
      row: {
        id: session.uid,
        device: deviceName(session.userAgent, t),
        lastUsed: relativeTime(lastActive, now, person.locale),
        current: session.uid === person.uid,
      },
      at: lastActive.getTime(),
    };
  }));
  return rows.sort((a, b) => Number(b.row.current) - Number(a.row.current) || b.at - a.at).map(({ row }) => row);
}

const endForm = z.object({ session: z.string().min(1).max(200) });

async function recordEnded(deps: AccountDeps, ctx: Context, person: Person, sessionUids: string[], scope: 'one' | 'others'): Promise<void> {
  for (const session of sessionUids) {
    await deps.audit.record({
      type: 'account.session_ended',
      organisationId: person.account.organisationId,
      actorId: person.account._id,
      targetId: person.account._id,
      ip: ctx.ip,
      data: { session, scope },
    });
  }
}

/** POST sessions/end: "Log out" on one of the person's other sessions. */
export function submitEndSession(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { form, person } = await begin(deps, ctx);
    if (!person) return;
    await deps.sessionActivities.touch(person.session);
    const parsed = endForm.safeParse(form);
    if (!parsed.success) {
      await flash(deps, person, { errors: ['account.invalidForm'], section: SESSIONS_SECTION });
      return back(ctx, '', SESSIONS_SECTION);
    }
    if (parsed.data.session === person.uid) {
      // Not offered on the page: this browser logs out through "Log out" (RP-initiated logout), which tells the platform.
      await flash(deps, person, { errors: ['account.sessions.notHere'], section: SESSIONS_SECTION });
      return back(ctx, '', SESSIONS_SECTION);
    }
    // Only among this person's sessions (accountId and uid together), and never this browser's.
    const ended = await deps.sessions.end(person.account._id, { sessionUid: parsed.data.session, sessionId: person.sessionId, grantIds: person.grantIds });
    await recordEnded(deps, ctx, person, ended.sessionUids, 'one');
    await flash(deps, person, { info: ended.sessionUids.length > 0 ? 'account.sessions.ended' : 'account.sessions.gone', section: SESSIONS_SECTION });
    back(ctx, '', SESSIONS_SECTION);
  };
}

/** POST sessions/end-others: "Log out everywhere else" — every session and grant of the person but this browser's. */
export function submitEndOtherSessions(deps: AccountDeps) {
  return async (ctx: Context): Promise<void> => {
    const { person } = await begin(deps, ctx);
    if (!person) return;
    await deps.sessionActivities.touch(person.session);
    const ended = await deps.sessions.end(person.account._id, { sessionId: person.sessionId, grantIds: person.grantIds });
    await recordEnded(deps, ctx, person, ended.sessionUids, 'others');
    await flash(deps, person, { info: 'account.sessions.endedOthers', section: SESSIONS_SECTION });
    back(ctx, '', SESSIONS_SECTION);
  };
}
