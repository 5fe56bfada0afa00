/** The acting person's organisation (its second-factor policy), who is acting, and the audit log. */
import type { z } from 'zod';
import type { AuditPage } from '../../accounts/audit.ts';
import { policyOf } from '../../accounts/organisations.ts';
import { ApiProblem } from '../problems.ts';
import type { Call } from '../route.ts';
import type { auditEventSchema, auditQuery, meSchema, policyBody, policySchema } from '../schemas.ts';

type None = Record<string, never>;

export async function me({ actor }: Call<None, None, undefined>): Promise<z.input<typeof meSchema>> {
  if (actor.kind === 'machine') return { kind: 'machine', clientId: actor.clientId, organisationId: actor.organisationId };
  return {
    kind: 'person', accountId: actor.id, role: actor.role, organisationId: actor.organisationId, email: actor.account.email,
    ...(actor.account.name ? { name: actor.account.name } : {}), clientId: actor.clientId,
    ...(actor.acr ? { acr: actor.acr } : {}), ...(actor.amr ? { amr: actor.amr } : {}), ...(actor.authTime !== undefined ? { authTime: actor.authTime } : {}),
  };
}

export async function getPolicy({ deps, actor }: Call<None, None, undefined>): Promise<z.input<typeof policySchema>> {
  const organisation = await deps.organisations.get(actor.organisationId);
  if (!organisation) throw new ApiProblem('not_found');
  return policyOf(organisation);
}

export async function putPolicy({ deps, actor, input, ip }: Call<None, None, z.infer<typeof policyBody>>): Promise<z.input<typeof policySchema>> {
  // Checked as a whole and written only if nobody changed the policy meanwhile (a compare-and-set in the use case);
  // a PolicyError names the field (→ 400).
  return deps.organisations.updatePolicy(actor.organisationId, input.body, { id: actor.id, ip });
}

type AuditEvent = AuditPage['events'][number];

const eventView = (event: AuditEvent): z.input<typeof auditEventSchema> => ({
  id: event._id,
  type: event.type,
  at: new Date(event.at).toISOString(),
  ...(event.actorId ? { actorId: event.actorId } : {}),
  ...(event.targetId ? { targetId: event.targetId } : {}),
  ...(event.ip ? { ip: event.ip } : {}),
  ...(event.requestId ? { requestId: event.requestId } : {}),
  ...(event.data ? { data: event.data } : {}),
});

export async function listAuditEvents({ deps, actor, input }: Call<None, z.infer<typeof auditQuery>, undefined>) {
  const { accountId, type, from, to, cursor, limit } = input.query;
  const page = await deps.audit.list({
    organisationId: actor.organisationId, accountId, type, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined, cursor, limit,
  });
  return { items: page.events.map(eventView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
