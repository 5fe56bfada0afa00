/** OpenID Connect settings as data: scopes, claims, assurance values and lifetimes (seconds). */

/** Authentication context classes, published in discovery. Derived from the amr of a login, never stored. */
export const ACR = {
  password: 'urn:poort:acr:pwd',
  multiFactor: 'urn:poort:acr:mfa',
} as const;
export const ACR_VALUES = [ACR.password, ACR.multiFactor];

/** Authentication method references (RFC 8176; `rc` for a recovery code is Poort's own value). */
export const AMR = { password: 'pwd', totp: 'otp', sms: 'sms', recovery: 'rc', hardwareKey: 'hwk', softwareKey: 'swk', multiFactor: 'mfa' } as const;

export const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/**
 * The admin API as an OAuth resource server (RFC 8707): its resource indicator is `<ISSUER>/api/admin`, its only
 * scope `admin`; its access tokens are RFC 9068 JWTs (`at+jwt`) that live five minutes.
 */
export const ADMIN_API = {
  path: '/api/admin',
  scope: 'admin',
  accessTokenTTL: 5 * 60,
} as const;
export const adminResource = (issuer: string): string => `${issuer.replace(/\/$/, '')}${ADMIN_API.path}`;

/** Which claims each scope releases; `acr`, `amr` and `auth_time` are in every ID token. */
export const CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  sid: null,
} as const;

export const TTL = {
  AccessToken: 10 * 60,
  AuthorizationCode: 60,
  ClientCredentials: 10 * 60,
  IdToken: 60 * 60,
  Interaction: 60 * 60,
  RefreshToken: 14 * 24 * 3600,
  /** Grants must outlive the refresh tokens issued under them. */
  Grant: 14 * 24 * 3600,
} as const;

/** Accepted clock skew between Poort and relying parties for iat/nbf checks. */
export const CLOCK_TOLERANCE = 5;
