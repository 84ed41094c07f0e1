// Validates `greenlight verify --json` reports against their documented schema with ajv.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const schema = JSON.parse(
  readFileSync(new URL('../../src/verify/verify-report.schema.json', import.meta.url), 'utf8'),
) as object;
const ajv = new Ajv({
  strict: true,
  allErrors: true,
  formats: { 'date-time': (s: string) => !Number.isNaN(Date.parse(s)) },
});
const validate = ajv.compile(schema);

/** The schema violations of `report`, empty when it is valid. */
export function validateReport(report: unknown): string[] {
  if (validate(report)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
