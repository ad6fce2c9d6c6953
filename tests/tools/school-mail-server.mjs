// school-mail-server: a school's mail server for tests (npm smtp-server), and its mailbox (npm mailparser).
//
//   node school-mail-server.mjs [--port=0] [--tls-cert=FILE --tls-key=FILE] [--user=U --password=P]
//                               [--out=DIR] [--reject=CODE [--reject-at=data|rcpt]] [--exit-on-stdin-close]
//
// Binds 127.0.0.1 only. Prints exactly one line on stdout, "LISTENING <port>", once it accepts connections;
// diagnostics go to stderr. STARTTLS is offered only with --tls-cert/--tls-key (so that a test can check that
// a client refuses to send in clear); with --user/--password, AUTH PLAIN or LOGIN is required before MAIL
// (wrong credentials: 535). Each accepted message is written into --out as <n>.eml, its attachments and
// <n>.json (lib/mail-store.mjs), numbered from 1. --reject=CODE answers every message with CODE at the end
// of DATA (default) or at RCPT TO (--reject-at=rcpt), and nothing is stored. Exits on SIGTERM/SIGINT, when
// its parent process dies, and with --exit-on-stdin-close when stdin reaches EOF.
import { readFileSync } from 'node:fs';

import { SMTPServer } from 'smtp-server';

import { storeMessage } from './lib/mail-store.mjs';

const parent = livePpid();
const options = { port: 0, tlsCert: undefined, tlsKey: undefined, user: undefined, password: undefined,
  out: undefined, reject: 0, rejectAt: 'data', exitOnStdinClose: false };
const VALUE_OPTIONS = new Set(['--port', '--tls-cert', '--tls-key', '--user', '--password', '--out', '--reject', '--reject-at']);
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  let [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, ''];
  if (!arg.includes('=') && VALUE_OPTIONS.has(key) && i + 1 < argv.length) value = argv[++i];
  if (key === '--port') options.port = Number(value);
  else if (key === '--tls-cert') options.tlsCert = value;
  else if (key === '--tls-key') options.tlsKey = value;
  else if (key === '--user') options.user = value;
  else if (key === '--password') options.password = value;
  else if (key === '--out') options.out = value;
  else if (key === '--reject') options.reject = Number(value);
  else if (key === '--reject-at') options.rejectAt = value;
  else if (key === '--exit-on-stdin-close') options.exitOnStdinClose = true;
  else {
    console.error(`school-mail-server: unknown argument ${arg}`);
    process.exit(2);
  }
}
if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535 ||
    (options.reject && !(options.reject >= 400 && options.reject <= 599)) ||
    !['data', 'rcpt'].includes(options.rejectAt) || !options.tlsCert !== !options.tlsKey ||
    (options.user === undefined) !== (options.password === undefined)) {
  console.error('school-mail-server: bad --port, --reject, --reject-at, or a lone --tls-cert/--tls-key or --user/--password');
  process.exit(2);
}

function smtpError(code, message) {
  const err = new Error(message);
  err.responseCode = code;
  return err;
}

const tls = Boolean(options.tlsCert);
const auth = options.user !== undefined;
const disabledCommands = [];
if (!tls) disabledCommands.push('STARTTLS');
if (!auth) disabledCommands.push('AUTH');
let received = 0;

const server = new SMTPServer({
  name: 'school-mail-server.test',
  banner: 'school-mail-server (test)',
  logger: false,
  secure: false,
  ...(tls ? { key: readFileSync(options.tlsKey), cert: readFileSync(options.tlsCert) } : {}),
  disabledCommands,
  authMethods: ['PLAIN', 'LOGIN'],
  authOptional: !auth,
  allowInsecureAuth: !tls,
  size: 25 * 1024 * 1024,
  onAuth(credentials, session, callback) {
    if (credentials.username === options.user && credentials.password === options.password) {
      return callback(null, { user: credentials.username });
    }
    console.error(`school-mail-server: authentication failed for ${JSON.stringify(credentials.username)}`);
    return callback(smtpError(535, 'Authentication credentials invalid'));
  },
  onRcptTo(address, session, callback) {
    if (options.reject && options.rejectAt === 'rcpt') {
      console.error(`school-mail-server: RCPT ${address.address} rejected with ${options.reject}`);
      return callback(smtpError(options.reject, `Recipient rejected (test --reject=${options.reject})`));
    }
    return callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', (err) => callback(err));
    stream.on('end', () => {
      if (stream.sizeExceeded) return callback(smtpError(552, 'Message too large'));
      if (options.reject) {
        console.error(`school-mail-server: message rejected with ${options.reject}`);
        return callback(smtpError(options.reject, `Message rejected (test --reject=${options.reject})`));
      }
      const n = ++received;
      const envelope = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((r) => r.address),
        secure: Boolean(session.secure),
        user: session.user ?? null,
      };
      const raw = Buffer.concat(chunks);
      const stored = options.out ? storeMessage(options.out, n, raw, envelope) : Promise.resolve(null);
      stored.then(
        () => {
          console.error(`school-mail-server: accepted message ${n} from ${envelope.from} to ${envelope.to.join(', ')} (${raw.length} bytes, tls ${envelope.secure})`);
          callback(null, `Message queued as ${n}`);
        },
        (err) => {
          console.error(`school-mail-server: cannot store message ${n}: ${err.stack || err}`);
          callback(smtpError(451, 'Cannot store the message'));
        });
    });
  },
});
server.on('error', (err) => console.error(`school-mail-server: ${err.message}`));

function shutdown(code) {
  server.close(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(0));

// Never outlive the process that started us: when it dies we are re-parented. Node caches process.ppid,
// so read the live value from /proc/self/stat (Linux).
function livePpid() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return process.ppid;
  }
}
setInterval(() => {
  if (livePpid() !== parent) shutdown(0);
}, 250).unref();
if (options.exitOnStdinClose) {
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.resume();
}

server.server.on('error', (err) => {
  console.error(`school-mail-server: ${err.message}`);
  process.exit(1);
});
server.listen(options.port, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.server.address().port}\n`);
});
