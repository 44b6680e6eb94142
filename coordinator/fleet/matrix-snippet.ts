// A block for a matrix that the fleet tools looked up (`prices:`, `vcpus:`), written as the
// matrix's own format: JSON for a .json file, YAML otherwise, so it can be pasted or merged in.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { stringify } from 'yaml';

export function matrixSnippet(field: Record<string, unknown>, format: 'yaml' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(field, null, 2)}\n` : stringify(field);
}

export function writeMatrixSnippet(file: string, field: Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, matrixSnippet(field, extname(file).toLowerCase() === '.json' ? 'json' : 'yaml'));
}
