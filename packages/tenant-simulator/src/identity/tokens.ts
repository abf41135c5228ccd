import { randomBytes } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { FixtureApp, FixtureResource } from '../fixture/types.js';
import { foreignKey, type KeyRing } from './keys.js';

export const issuerV1 = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;
export const issuerV2 = (tenantId: string): string => `https://login.microsoftonline.com/${tenantId}/v2.0`;

export type CredentialKind = 'managedIdentity' | 'clientSecret' | 'simulator';

export interface IssuedToken {
  accessToken: string;
  claims: JWTPayload;
  expiresOn: number;
  kid: string;
}

export interface MintOptions {
  /** Sign with a published key other than the active one. */
  kid?: string;
  /** "foreign": a key the JWKS never publishes (signature failure); "none": an unsigned token. */
  signWith?: 'active' | 'foreign' | 'none';
}

/**
 * Issues app-only access tokens shaped like Entra's: v1 (`appid`, sts.windows.net issuer) or v2
 * (`azp`, login.microsoftonline.com issuer), `roles` holding the application permissions the
 * fixture grants the app on that resource (omitted when none, as Entra does).
 */
export class TokenIssuer {
  constructor(
    readonly tenantId: string,
    private readonly keys: KeyRing,
    readonly apps: readonly FixtureApp[],
    readonly resources: readonly FixtureResource[],
  ) {}

  findApp(ref: string): FixtureApp | undefined {
    const key = ref.toLowerCase();
    return this.apps.find((a) => a.name.toLowerCase() === key || a.appId.toLowerCase() === key || a.servicePrincipalId.toLowerCase() === key);
  }

  /**
   * Resolves a `resource` (v1, MSI) or a `scope` (v2, "X/.default") to a resource and the `aud`
   * Entra would put in the token: the identifier as requested for v1 tokens, the appId for v2.
   */
  resolveResource(requested: string): { resource: FixtureResource; aud: string } | undefined {
    const trimmed = requested.trim().replace(/\/\.default$/i, '');
    const bare = trimmed.replace(/\/+$/, '').toLowerCase();
    for (const resource of this.resources) {
      if (resource.appId.toLowerCase() === bare) return { resource, aud: resource.appId };
      const uri = resource.identifierUris.find((u) => u.replace(/\/+$/, '').toLowerCase() === bare);
      if (uri) return { resource, aud: resource.accessTokenVersion === 2 ? resource.appId : uri };
    }
    return undefined;
  }

  async issueAppToken(app: FixtureApp, requested: string, opts: { via: CredentialKind; lifetimeSeconds: number; extraClaims?: JWTPayload }): Promise<IssuedToken> {
    const target = this.resolveResource(requested);
    if (!target) throw new Error(`no resource ${requested}`);
    const now = Math.floor(Date.now() / 1000);
    const roles = app.roles?.[target.resource.name] ?? [];
    const acr = opts.via === 'clientSecret' ? '1' : '2';
    const common: JWTPayload = {
      aud: target.aud,
      iat: now,
      nbf: now,
      exp: now + opts.lifetimeSeconds,
      aio: randomBytes(24).toString('base64url'),
      idtyp: 'app',
      oid: app.servicePrincipalId,
      rh: `0.${randomBytes(18).toString('base64url')}.`,
      sub: app.servicePrincipalId,
      tid: this.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ...(roles.length > 0 ? { roles } : {}),
    };
    const versioned: JWTPayload = target.resource.accessTokenVersion === 2
      ? { iss: issuerV2(this.tenantId), azp: app.appId, azpacr: acr, ver: '2.0' }
      : {
          iss: issuerV1(this.tenantId),
          idp: issuerV1(this.tenantId),
          appid: app.appId,
          appidacr: acr,
          ver: '1.0',
          ...(app.displayName ? { app_displayname: app.displayName } : {}),
        };
    const claims = { ...common, ...versioned, ...(opts.via === 'managedIdentity' ? { xms_mirid: managedIdentityResourceId(app) } : {}), ...opts.extraClaims };
    return this.mint(claims);
  }

  /** Signs arbitrary claims (the `/_sim/tokens` test hook and the app-token path above). */
  async mint(claims: JWTPayload, opts: MintOptions = {}): Promise<IssuedToken> {
    const key = opts.signWith === 'foreign' ? foreignKey() : (opts.kid ? this.keys.find(opts.kid) : this.keys.active());
    if (!key) throw new Error(`kid ${opts.kid ?? ''} is not published`);
    const exp = typeof claims.exp === 'number' ? claims.exp : Math.floor(Date.now() / 1000) + 3600;
    if (opts.signWith === 'none') {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return { accessToken: `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`, claims, expiresOn: exp, kid: '' };
    }
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, x5t: key.kid })
      .sign(key.privateKey);
    return { accessToken, claims, expiresOn: exp, kid: key.kid };
  }
}

/** The `xms_mirid` claim of managed-identity tokens: the identity's ARM resource id (invented). */
function managedIdentityResourceId(app: FixtureApp): string {
  return `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/tapline-local/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${app.name}`;
}

