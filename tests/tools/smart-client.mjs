// smart-client: a SMART Backend Services client for tests, built only on npm `jose` (an independent JOSE
// implementation), so that the tokens the gateway checks are never minted by the code under test.
//
//   node smart-client.mjs keygen --alg RS384|ES384 --kid KID --private OUT.pem --jwks OUT.jwks.json
//       a key pair: the private key as PKCS#8 PEM, the public key as a JWK Set {keys: [{..., kid, alg, use}]}
//   node smart-client.mjs assertion --key KEY.pem --alg RS384|ES384 --kid KID --iss ID --aud URL
//       [--exp-in SECONDS (default 240; may be negative)] [--jti ID] [--sub ID] [--typ T]
//       [--forge none|hs256-public-key [--jwks PUBLIC.jwks.json]]
//       prints a compact JWS (the client assertion). --forge none: an unsigned alg:none token;
//       --forge hs256-public-key: HS256 with the public key's PEM text (from --jwks, else derived from --key)
//       as the HMAC secret (key confusion).
//   node smart-client.mjs token --key KEY.pem --alg A --kid KID --client-id ID --token-url URL --scope S
//       the whole client_credentials request; prints the access_token (exit 1, error body on stderr, when
//       refused).
// Prints to stdout; exit 0 on success, 1 on any failure.
import { createPublicKey, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, SignJWT } from 'jose';

// Tests against a TLS gateway run with NODE_TLS_REJECT_UNAUTHORIZED=0; Node's warning about it would mix into
// the output the tests read, so only that warning is silenced (others still go to stderr).
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!String(w.message).includes('NODE_TLS_REJECT_UNAUTHORIZED')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    if (eq > 0) {
      args[a.slice(2, eq)] = a.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      args[a.slice(2)] = argv[++i];
    }
  }
  return args;
}

function need(args, name) {
  const v = args[name];
  if (v === undefined || v === '') throw new Error(`--${name} is required`);
  return v;
}

function checkAlg(alg) {
  if (alg !== 'RS384' && alg !== 'ES384') throw new Error(`--alg must be RS384 or ES384, not '${alg}'`);
  return alg;
}

const b64url = (text) => Buffer.from(text).toString('base64url');

async function keygen(args) {
  const alg = checkAlg(need(args, 'alg'));
  const kid = need(args, 'kid');
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  writeFileSync(need(args, 'private'), await exportPKCS8(privateKey));
  const jwk = await exportJWK(publicKey);
  const jwks = { keys: [{ ...jwk, kid, alg, use: 'sig' }] };
  writeFileSync(need(args, 'jwks'), JSON.stringify(jwks, null, 2) + '\n');
  return `${kid}\n`;
}

async function assertion(args) {
  const alg = checkAlg(need(args, 'alg'));
  const kid = need(args, 'kid');
  const iss = need(args, 'iss');
  const aud = need(args, 'aud');
  const expIn = args['exp-in'] === undefined ? 240 : Number(args['exp-in']);
  if (!Number.isFinite(expIn)) throw new Error('--exp-in must be a number of seconds');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss, sub: args.sub ?? iss, aud, exp: now + Math.trunc(expIn), iat: now, jti: args.jti ?? randomUUID() };
  const typ = args.typ ?? 'JWT';
  const forge = args.forge;
  if (forge === 'none') {
    const header = { alg: 'none', kid, typ };
    return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.`;
  }
  if (forge === 'hs256-public-key') {
    // The public key as a server would hold it (SPKI PEM): from --jwks, or else derived from --key.
    let publicKey;
    if (args.jwks !== undefined) {
      const jwks = JSON.parse(readFileSync(args.jwks, 'utf8'));
      const jwk = jwks.keys.find((k) => k.kid === kid) ?? jwks.keys[0];
      publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    } else {
      publicKey = createPublicKey(readFileSync(need(args, 'key'), 'utf8'));
    }
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid, typ }).sign(new TextEncoder().encode(pem));
  }
  if (forge !== undefined) throw new Error(`--forge must be none or hs256-public-key, not '${forge}'`);
  const key = await importPKCS8(readFileSync(need(args, 'key'), 'utf8'), alg);
  return new SignJWT(claims).setProtectedHeader({ alg, kid, typ }).sign(key);
}

async function token(args) {
  const tokenUrl = need(args, 'token-url');
  const clientAssertion = await assertion({ ...args, iss: need(args, 'client-id'), aud: tokenUrl });
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
    scope: need(args, 'scope'),
  });
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  const json = JSON.parse(text);
  if (typeof json.access_token !== 'string') throw new Error(`no access_token in ${text}`);
  return json.access_token;
}

const commands = { keygen, assertion, token };

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const run = commands[command];
  if (!run) throw new Error('usage: smart-client.mjs keygen|assertion|token --option value ...');
  const out = await run(parseArgs(rest));
  process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`smart-client: ${e.message}\n`);
  process.exit(1);
});
