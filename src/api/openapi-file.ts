/** Writes the OpenAPI document of the route table: `npm run openapi` keeps docs/openapi.json current. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from './openapi';
import { NAMED_SCHEMAS, ROUTES } from './routes';

const text = JSON.stringify(openApiDocument(ROUTES, NAMED_SCHEMAS), null, 2) + '\n';
const out = process.argv[2];
if (out) writeFileSync(out, text);
else process.stdout.write(text);
