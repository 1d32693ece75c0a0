// A real OpenID provider (panva's oidc-provider) for the sign-in tests, on a loopback port.
//
// Started by the tests (tests/api/oidc/provider.rs) as `node provider.mjs` with its settings as
// JSON in OIDC_TEST_CONFIG:
//   { "clients": [{ "client_id", "client_secret", "redirect_uris", "post_logout_redirect_uris" }],
//     "accounts": { "<login>": { "email", "name", "groups": [..] } } }
// It listens on a free port of 127.0.0.1 and prints `listening http://127.0.0.1:PORT` once its
// discovery document is served. The login form of `devInteractions` takes any login listed in
// `accounts` and any password; consent is granted at once (the register is a first-party client).
//
// A small admin API (the tests' hands on the provider; nothing a real provider has):
//   PUT  /admin/accounts/<login>  {"groups": [..], ...}   changes the account (next sign-in)
//   PUT  /admin/tamper            {"aud"?, "nonce"?: null, "expired"?: true, "foreign_key"?: true}
//        the next ID tokens issued by /token are changed so (and re-signed with the provider's own
//        key, or with a foreign key of the same kid for "foreign_key"); {} stops tampering.
//   PUT  /admin/jwks              {"foreign": true|false}: /jwks serves a foreign key (rotation).
//   GET  /admin/last-id-token     the last ID token issued (before tampering).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const accounts = settings.accounts || {};

function newKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}
function publicPart({ d, p, q, dp, dq, qi, ...rest }) {
  return rest;
}

const signing = newKey(`key-${randomUUID()}`);
const foreign = newKey(signing.kid);
let tamper = {};
let serveForeignJwks = false;
let lastIdToken = null;

const server = createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: (settings.clients || []).map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...c,
  })),
  jwks: { keys: [signing] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // The claims of the scopes asked for go into the ID token itself, as most providers put them.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  cookies: { keys: ['test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: account.email,
          email_verified: true,
          name: account.name,
          groups: account.groups || [],
        };
      },
    };
  },
  // The register is a first-party client: consent is given at once, for what it asks.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const grant = grantId
      ? await ctx.oidc.provider.Grant.find(grantId)
      : new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 120, Session: 3600, Interaction: 600, Grant: 3600 },
});

async function retampered(idToken) {
  const header = decodeProtectedHeader(idToken);
  const claims = { ...decodeJwt(idToken) };
  if ('aud' in tamper) claims.aud = tamper.aud;
  if (tamper.nonce === null) delete claims.nonce;
  if (tamper.expired) {
    const now = Math.floor(Date.now() / 1000);
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  }
  const key = await importJWK(tamper.foreign_key ? foreign : signing, 'RS256');
  return new SignJWT(claims).setProtectedHeader({ ...header }).sign(key);
}

// The provider's pages import a web font from the internet; the tests reach no outside address.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.type === 'text/html') {
    ctx.body = ctx.body.replace(/@import url\(https?:[^)]*\);?/g, '');
  }
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    lastIdToken = ctx.body.id_token;
    if (Object.keys(tamper).length) ctx.body = { ...ctx.body, id_token: await retampered(ctx.body.id_token) };
  }
  if (ctx.path === '/jwks' && serveForeignJwks) {
    ctx.body = { keys: [publicPart(newKey(`other-${randomUUID()}`))] };
  }
});

const callback = provider.callback();

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

async function admin(req, res) {
  const path = new URL(req.url, issuer).pathname;
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'PUT' && path.startsWith('/admin/accounts/')) {
    const login = decodeURIComponent(path.slice('/admin/accounts/'.length));
    accounts[login] = { ...(accounts[login] || {}), ...(await readJson(req)) };
    return reply(200, accounts[login]);
  }
  if (req.method === 'PUT' && path === '/admin/tamper') {
    tamper = await readJson(req);
    return reply(200, tamper);
  }
  if (req.method === 'PUT' && path === '/admin/jwks') {
    serveForeignJwks = Boolean((await readJson(req)).foreign);
    return reply(200, { foreign: serveForeignJwks });
  }
  if (req.method === 'GET' && path === '/admin/last-id-token') {
    return reply(200, { id_token: lastIdToken });
  }
  return reply(404, { error: 'unknown admin call' });
}

server.on('request', (req, res) => {
  if (req.url.startsWith('/admin/')) {
    admin(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
});

// The parent (a test) ends; so does the provider.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

console.log(`listening ${issuer}`);
