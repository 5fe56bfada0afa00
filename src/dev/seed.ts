/** Development seed (idempotent): a demo organisation, a demo professional and the demo relying party. */
import { METHOD_IDS } from '../auth/factors/index.ts';
import type { Container } from '../container.ts';
import { DEMO_CLIENT_ID, demoRedirectUri } from './demo-rp.ts';

export const DEMO = {
  organisation: 'Demo organisation',
  email: 'demo.professional@poort.test',
  password: 'Kingfisher over the bridge 2026!',
} as const;

export async function seedDemo(c: Container): Promise<{ organisationId: string; created: boolean }> {
  let organisation = await c.organisations.findByName(DEMO.organisation);
  const created = !organisation;
  if (!organisation) {
    organisation = await c.organisations.create({ name: DEMO.organisation, twoFactor: 'optional' });
    // Every method, passkeys too, to try them locally (a new organisation's defaults leave passkeys out).
    await c.organisations.updatePolicy(organisation._id, { allowedMethods: [...METHOD_IDS] });
  }
  if (!(await c.accounts.findByEmail(organisation._id, DEMO.email))) {
    await c.accounts.create({ organisationId: organisation._id, email: DEMO.email, password: DEMO.password, role: 'professional', name: 'Demo Professional' });
  }
  // The demo client follows the current issuer (the port may change between runs).
  await c.models.OidcClient.deleteOne({ _id: DEMO_CLIENT_ID });
  await c.clients.create({
    clientId: DEMO_CLIENT_ID,
    organisationId: organisation._id,
    name: 'Demo platform',
    redirectUris: [demoRedirectUri(c.config.issuer)],
    postLogoutRedirectUris: [`${c.config.issuer}/dev/demo-rp/start`],
    // Where Poort sends a person whose welcome link set their first password (third-party-initiated login).
    initiateLoginUri: `${c.config.issuer}/dev/demo-rp/start`,
    public: true,
    firstParty: true,
  });
  return { organisationId: organisation._id, created };
}
