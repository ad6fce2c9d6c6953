// mail-store: writes one received e-mail into a directory as the C++ tests read it (tests/tools/README.md,
// "school-mail-server.mjs"): <n>.eml (the raw message), each attachment as a file, then <n>.json with what
// npm mailparser read from it. The .json is written last and atomically (rename), so a test that sees it
// sees everything else too.
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { simpleParser } from 'mailparser';

// A file name that stays inside the directory: only [A-Za-z0-9._-], never empty or a dot name.
function safeName(name) {
  const cleaned = String(name || '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length ? cleaned.slice(0, 100) : 'attachment';
}

function addresses(field) {
  if (!field) return [];
  const list = Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => (v.name ? `${v.name} <${v.address}>` : v.address)));
}

// Parses `raw` (a Buffer) and writes `${n}.eml`, the attachments and `${n}.json` into `dir`. `envelope`
// ({from, to: [...]}) is the SMTP envelope, or null when the message did not come through SMTP.
// Returns the record written to the .json file.
export async function storeMessage(dir, n, raw, envelope) {
  writeFileSync(path.join(dir, `${n}.eml`), raw);
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const contentType = parsed.headers.get('content-type');
  const attachments = parsed.attachments.map((a, i) => {
    const file = `${n}-${i + 1}-${safeName(a.filename)}`;
    writeFileSync(path.join(dir, file), a.content);
    return {
      filename: a.filename ?? null,
      contentType: a.contentType,
      size: a.content.length,
      sha256: createHash('sha256').update(a.content).digest('hex'),
      file,
    };
  });
  const record = {
    n,
    envelope: envelope ?? null,
    from: addresses(parsed.from),
    to: addresses(parsed.to),
    subject: parsed.subject ?? null,
    date: parsed.date ? parsed.date.toISOString() : null,
    messageId: parsed.messageId ?? null,
    contentType: contentType ? contentType.value : null,
    contentTypeParams: contentType ? contentType.params : {},
    text: parsed.text ?? null,
    html: parsed.html || null,
    attachments,
    eml: `${n}.eml`,
  };
  const json = path.join(dir, `${n}.json`);
  writeFileSync(`${json}.tmp`, JSON.stringify(record, null, 2));
  renameSync(`${json}.tmp`, json);
  return record;
}
