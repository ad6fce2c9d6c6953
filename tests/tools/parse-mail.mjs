// parse-mail: reads one RFC 5322 message (a file, e.g. the inner entity of a decrypted S/MIME message) with
// npm mailparser and writes it into DIR exactly as school-mail-server.mjs stores what it receives
// (DIR/<n>.eml, the attachments, DIR/<n>.json; lib/mail-store.mjs). Prints the JSON record on stdout.
//   node parse-mail.mjs FILE DIR [N]      (N: the number used in the file names, default 1)
import { readFileSync } from 'node:fs';

import { storeMessage } from './lib/mail-store.mjs';

const [file, dir, n = '1'] = process.argv.slice(2);
if (!file || !dir || !/^\d+$/.test(n)) {
  console.error('usage: node parse-mail.mjs FILE DIR [N]');
  process.exit(2);
}
try {
  const record = await storeMessage(dir, Number(n), readFileSync(file), null);
  process.stdout.write(`${JSON.stringify(record)}\n`);
} catch (err) {
  console.error(`parse-mail: ${err.stack || err}`);
  process.exit(1);
}
