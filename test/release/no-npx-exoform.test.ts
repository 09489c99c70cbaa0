/**
 * npx with the bare name exoform, outside this checkout, runs an unrelated public npm package of that name. No file in the
 * repository may tell anyone to run it: the CLI is `node bin/exoform.js` in a checkout, or the release executable.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/package';

// Built from parts, so this file does not match itself.
const NPX = 'np' + 'x';
const FORBIDDEN = new RegExp(`${NPX}(?:\\s+-\\S+(?:\\s+[^-\\s]\\S*)?)*\\s+exoform(?![-\\w])`, 'i');

test('no file in the repository runs the unrelated public exoform package through npx', () => {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(listed.status).toBe(0);
  const files = listed.stdout.split('\0').filter((file) => file && file !== 'package-lock.json');
  expect(files.length).toBeGreaterThan(100);
  const hits: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(ROOT, file), 'utf8');
    } catch {
      continue; // listed but deleted in the work tree
    }
    text.split('\n').forEach((line, index) => {
      if (FORBIDDEN.test(line)) hits.push(`${file}:${index + 1}: ${line.trim()}`);
    });
  }
  expect(hits).toEqual([]);
});

test('the check catches the forms it is meant to catch', () => {
  for (const line of [
    `${NPX} exoform emulator`,
    `run \`${NPX} --yes exoform\``,
    `${NPX.toUpperCase()}  exoform --help`,
    `${NPX} -p foo exoform`,
  ]) {
    expect(FORBIDDEN.test(line)).toBe(true);
  }
  for (const line of [
    'node bin/exoform.js emulator',
    `${NPX} cdktf deploy`,
    `${NPX} exoform-exchangeonline`,
    './exoform emulator',
  ]) {
    expect(FORBIDDEN.test(line)).toBe(false);
  }
});
