// The graphql-http conformance audit (GraphQL over HTTP) against a running gateway.
// Fails (exit 1) when a MUST or SHOULD is not met; MAY items are printed as notices.
import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8765/graphql';
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  const required = /^(MUST|SHOULD)\b/.test(r.name);
  if (required) failed += 1;
  console.log(`${required ? 'FAIL' : 'note'} ${r.status} | ${r.name} | ${r.reason ?? ''}`);
}
const ok = results.filter((r) => r.status === 'ok').length;
console.log(`graphql-http audit: ${ok} of ${results.length} ok, ${failed} MUST/SHOULD not met`);
process.exit(failed ? 1 : 0);
