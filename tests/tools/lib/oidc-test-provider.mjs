// A real OpenID provider for the console's sign-in tests: npm oidc-provider (panva; an implementation the
// project does not write), on 127.0.0.1 with a free port, over plain HTTP (the gateway allows an http
// issuer only on loopback).
//
//   const idp = await listenForProvider();           // the port is known before the provider exists,
//   idp.issuer                                       //   so the gateway can be configured first...
//   await idp.start({ redirectUri, clientId, clientSecret, accounts });   // ...and the client registered
//   await idp.close();                               //   once the gateway's port (its redirect URI) is known
//
// The client is confidential (client_secret_basic by default), may only use the authorization code flow,
// and must send PKCE (pkce.required is true for every client). Accounts: { id: { email, email_verified,
// name } }; the login form of oidc-provider's development interactions takes any password, and the login
// name is the account id (the ID token's sub). conformIdTokenClaims is off so that the scope's claims
// (email, email_verified, name) are in the ID token itself, as Keycloak and Okta put them.
import http from 'node:http';

import Provider from 'oidc-provider';

export async function listenForProvider() {
  let handler = (req, res) => {
    res.statusCode = 503;
    res.end('not yet');
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    async start({ redirectUri, clientId, clientSecret, accounts, authMethod = 'client_secret_basic' }) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: authMethod,
          },
        ],
        pkce: { required: () => true },
        conformIdTokenClaims: false,
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        cookies: { keys: ['homebase-oidc-test-cookie-key'] },
        features: { devInteractions: { enabled: true } },
        async findAccount(ctx, sub) {
          const account = accounts[sub];
          if (!account) return undefined;
          return { accountId: sub, async claims() { return { sub, ...account }; } };
        },
      });
      provider.on('server_error', (ctx, err) => process.stderr.write(`idp server_error: ${err.stack}\n`));
      handler = provider.callback();
      return provider;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
