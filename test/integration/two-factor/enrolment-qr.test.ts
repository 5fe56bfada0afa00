/**
 * The set-up page of the authenticator app during login: the QR image, read with an independent decoder, holds the
 * same otpauth URI as the key shown for typing, with the organisation's name as issuer; a code computed from the
 * decoded URI (as a phone app would) completes the set-up, and the key is not shown again afterwards.
 */
import * as OTPAuth from 'otpauth';
import { ACR } from '../../../config/oidc.ts';
import { inputValue } from '../../support/browser.ts';
import { createTenant, startPoort, type TestPoort } from '../../support/poort.ts';
import { decodeQrDataUrl } from '../../support/qr.ts';
import { idTokenOf, passwordStep, setPolicy } from '../../support/two-factor.ts';

let poort: TestPoort;

beforeAll(async () => {
  poort = await startPoort('two-factor-enrolment-qr');
});
afterAll(async () => {
  await poort.close();
});

test('the QR code and the manual key are the same otpauth secret; issuer = organisation name, SHA1, 6 digits, 30 s', async () => {
  const tenant = await createTenant(poort);
  const orgName = 'Zorg & Co – Utrecht';
  await poort.container.models.Organisation.updateOne({ _id: tenant.organisationId }, { $set: { name: orgName } });
  await setPolicy(poort, tenant.organisationId, { twoFactor: 'required' });

  const login = await passwordStep(poort, tenant);
  const setup = await login.agent.follow(`${login.base}/enrol/start`, poort.issuer, { form: { csrf: login.csrf, method: 'totp' } });
  const shownKey = /<code[^>]*id="secret"[^>]*>([^<]+)<\/code>/.exec(setup.body)?.[1] ?? '';
  expect(shownKey).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
  const image = /<img[^>]*src="(data:image\/png;base64,[^"]+)"/.exec(setup.body)?.[1] ?? '';

  const uri = OTPAuth.URI.parse(decodeQrDataUrl(image));
  expect(uri).toBeInstanceOf(OTPAuth.TOTP);
  const totp = uri as OTPAuth.TOTP;
  expect(totp.issuer).toBe(orgName);
  expect(totp.label).toBe(tenant.email);
  expect(totp.secret.base32).toBe(shownKey.replace(/\s/g, ''));
  expect([totp.algorithm, totp.digits, totp.period]).toEqual(['SHA1', 6, 30]);

  // The decoded URI is all an app needs: its code completes the set-up.
  const codes = await login.agent.follow(`${login.base}/enrol/verify`, poort.issuer, { form: { csrf: inputValue(setup.body, 'csrf') ?? '', code: totp.generate() } });
  expect([...codes.body.matchAll(/<li><code>[0-9A-Z]{5}-[0-9A-Z]{5}<\/code><\/li>/g)]).toHaveLength(6);
  expect(codes.body).not.toContain(totp.secret.base32);
  expect(codes.body).not.toContain(shownKey);
  const done = await login.agent.follow(`${login.base}/enrol/done`, poort.issuer, { form: { csrf: login.csrf } });
  expect((await idTokenOf(login, new URL(done.location ?? ''))).acr).toBe(ACR.multiFactor);

  // Stored sealed, never in the clear.
  const stored = await poort.container.models.SecondFactor.findById(tenant.accountId).lean().exec();
  expect(JSON.stringify(stored)).not.toContain(totp.secret.base32);
});
