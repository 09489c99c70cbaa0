/**
 * A PFX made by the `openssl` command line, as an administrator makes one for an app registration: a self-signed
 * RSA certificate and its key, exported with `password`. Returns the directory (for cleanup) and the file's path.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function opensslPfx(password: string): { directory: string; pfxPath: string } {
  const directory = mkdtempSync(join(tmpdir(), 'exoform-pfx-'));
  const key = join(directory, 'key.pem');
  const cert = join(directory, 'cert.pem');
  const pfxPath = join(directory, 'app.pfx');
  const openssl = (args: string[]): void => {
    const result = spawnSync('openssl', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=exoform-test',
  ]);
  openssl(['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', pfxPath, '-passout', `pass:${password}`]);
  return { directory, pfxPath };
}
