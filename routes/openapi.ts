// The OpenAPI document of the service, generated from the route schemas by @fastify/swagger.
// It is served at /documentation (UI) and /documentation/json, and checked in as
// openapi/openapi.json; test/service/openapi.test.ts fails when the two drift apart.
//
//   node dist/routes/openapi.js          # rewrite openapi/openapi.json
//   node dist/routes/openapi.js --check  # exit 1 if it is out of date

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildServer } from './server.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));

/** The document as the routes describe it, as the text checked in (2-space JSON, final newline). */
export async function openapiText(): Promise<string> {
  const app = await buildServer({ workers: 1, processMetrics: false });
  try {
    return JSON.stringify(app.swagger(), null, 2) + '\n';
  } finally {
    await app.close();
  }
}

async function main(args: string[]): Promise<number> {
  const text = await openapiText();
  if (args.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {
      // missing: out of date
    }
    if (current !== text) {
      process.stderr.write(`${OPENAPI_FILE} is out of date: run node dist/routes/openapi.js\n`);
      return 1;
    }
    return 0;
  }
  writeFileSync(OPENAPI_FILE, text);
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
