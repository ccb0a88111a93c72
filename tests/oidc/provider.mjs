// A real OpenID provider for the sign-in tests: panva's certified oidc-provider on loopback.
//
// Started by tests/oidc_provider.py with one argument, a JSON file:
//   {"port", "issuer", "client": {"client_id", "client_secret", "redirect_uri"},
//    "keys": [private JWK, ...] (the first signs), "accounts": {login: {claims}}}
// Any login is accepted by the provider's development sign-in form (the password is ignored);
// the claims of a login named in "accounts" go into its ID token, like Entra ID's app roles.
//
// POST /__test/tamper {"claims": {"aud": ..., "azp": ...}} or {"foreign_key": true} makes the
// next token response carry an ID token with those claims replaced and signed again with the
// provider's own key (or with a key it never published): what an attacker in the middle or a
// confused provider would hand the service. The provider itself is unchanged.
import { readFileSync } from 'node:fs';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts ?? {};
let tamper = null;

const provider = new Provider(config.issuer, {
  clients: [
    {
      client_id: config.client.client_id,
      client_secret: config.client.client_secret,
      redirect_uris: [config.client.redirect_uri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: config.keys },
  cookies: { keys: ['test-cookie-key-not-secret'] },
  // Entra ID puts the app roles, e-mail and name in the ID token itself.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'roles'],
    email: ['email'],
    profile: ['name', 'preferred_username'],
  },
  // Every client must prove its authorization request with PKCE (S256), so a service that
  // forgot it could not sign anyone in here.
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...(accounts[id] ?? {}) };
      },
    };
  },
  // A first-party application: no consent screen, as with an Entra ID app an admin consented to.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['roles', 'email', 'name', 'preferred_username']);
    await grant.save();
    return grant;
  },
});

async function resign(idToken, change) {
  const header = jose.decodeProtectedHeader(idToken);
  const claims = { ...jose.decodeJwt(idToken) };
  let key;
  if (change.foreign_key) {
    const { privateKey } = await jose.generateKeyPair(header.alg, { extractable: true });
    key = privateKey;
  } else {
    Object.assign(claims, change.claims);
    const jwk = config.keys.find((k) => k.kid === header.kid);
    key = await jose.importJWK(jwk, header.alg);
  }
  return new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/tamper' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    tamper = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && tamper && ctx.body?.id_token) {
    const change = tamper;
    tamper = null;
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, change) };
  }
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${config.issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
