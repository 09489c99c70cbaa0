/** The committed docs/ pages are exactly what the provider schema generates (scripts/generate-docs.ts). */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateDocs } from '../scripts/generate-docs';

test('generated docs are up to date with the provider schema (run `npm run docs` if this fails)', () => {
  const generated = generateDocs();
  expect(generated.size).toBeGreaterThanOrEqual(3);
  for (const [relative, content] of generated) {
    const path = join(__dirname, '..', relative);
    expect({ file: relative, exists: existsSync(path) }).toEqual({ file: relative, exists: true });
    expect({ file: relative, content: readFileSync(path, 'utf8') }).toEqual({ file: relative, content });
  }
});
