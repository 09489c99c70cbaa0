/**
 * R3/R4, end to end with the real terraform: no secret reaches an artefact. Every credential that carries a secret
 * is configured with a distinctive canary value — the access token (a JWT the emulator accepts), a client secret, a
 * PFX certificate password (a throwaway certificate made with node-forge here), and user:password in the proxy URL
 * and in the endpoint — the documented way: ephemeral input variables or EXO_* environment variables. Then
 * `plan -out`, `show -json` of the saved plan, `apply` of it, the state file, `show -json` of the state, and the
 * `TF_LOG=trace` log file and stdout/stderr of every run, failing runs included (a wrong token, a client secret and a
 * certificate that cannot reach Entra ID here, a wrong certificate password, credentials in the endpoint, a proxy that
 * refuses its credentials), are searched for each canary, raw, URL-encoded and base64-encoded. The saved plan file is
 * unzipped and searched too.
 *
 * The control: the same token in a variable that is only `sensitive` IS in the saved plan (Terraform records input
 * variables there so that the plan can be applied later). That is why the docs say ephemeral or EXO_* — and it shows
 * the search finds a canary where there is one.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as forge from 'node-forge';
import { mintEmulatorToken } from '../../src/emulator/access-token';
import { REQUIRED_PROVIDERS, TerraformWorkspace, type RunResult } from '../support/terraform';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

const EMULATOR_KEY = 'exoform-canary-emulator-key-Hq2v';
const WRONG_TOKEN = 'exoform-canary-wrong-token-Zr8k';
const CLIENT_SECRET = 'exoform-canary-client-secret-Wd4p';
const CERTIFICATE_PASSWORD = 'exoform-canary-pfx-password-Lm6t';
const WRONG_CERTIFICATE_PASSWORD = 'exoform-canary-wrong-pfx-password-Fs3c';
const PROXY_USER = 'exoformcanaryproxyuserNb5';
const PROXY_PASSWORD = 'exoform-canary-proxy-password-Jy7e';
const ENDPOINT_USER = 'exoformcanaryendpointuserGx2';
const ENDPOINT_PASSWORD = 'exoform-canary-endpoint-password-Tq9w';
const CLIENT_ID = '00000000-0000-0000-0000-00000000c1a5';

/** The forms a secret could leak in: raw, URL-encoded, base64 and base64url at each of the three alignments. */
function encodedForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.concat([Buffer.alloc(shift, 0x41), Buffer.from(secret)]);
    for (const encoding of ['base64', 'base64url'] as const) {
      // Drop the characters that depend on what comes before and after; the middle is fixed by the secret alone.
      const text = bytes.toString(encoding).replace(/=+$/, '');
      forms.add(text.slice(Math.ceil((shift * 4) / 3) + 1, -2));
    }
  }
  return [...forms].filter((form) => form.length >= 12);
}

/** Every entry of a zip file (a saved plan), inflated: the plan file holds variables and config in compressed entries. */
function zipEntries(file: Buffer): Array<{ name: string; text: string }> {
  const end = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip file');
  const count = file.readUInt16LE(end + 10);
  let at = file.readUInt32LE(end + 16);
  const entries: Array<{ name: string; text: string }> = [];
  for (let index = 0; index < count; index++) {
    const method = file.readUInt16LE(at + 10);
    const size = file.readUInt32LE(at + 20);
    const nameLength = file.readUInt16LE(at + 28);
    const extraLength = file.readUInt16LE(at + 30);
    const commentLength = file.readUInt16LE(at + 32);
    const local = file.readUInt32LE(at + 42);
    const name = file.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
    const data = file.subarray(dataStart, dataStart + size);
    entries.push({ name, text: (method === 8 ? inflateRawSync(data) : data).toString('latin1') });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** A CONNECT proxy that tunnels only requests carrying its Basic credentials (407 otherwise), counting tunnels. */
async function startProxy(
  user: string,
  password: string,
): Promise<{ server: Server; url: (u: string, p: string) => string; tunnels: () => number }> {
  let tunnels = 0;
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = createServer((_, response) => response.writeHead(405).end());
  server.on('connect', (request, socket, head) => {
    if (request.headers['proxy-authorization'] !== expected) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="canary"\r\n\r\n');
      return;
    }
    const [host, port] = String(request.url).split(':');
    const upstream = connect(Number(port), host!, () => {
      tunnels++;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: (u, p) => `http://${u}:${p}@127.0.0.1:${port}`, tunnels: () => tunnels };
}

/** A throwaway self-signed certificate and key in a PFX protected by `password` (node-forge; the key from node:crypto, fast). */
function writePfx(path: string, password: string): void {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 2 * 86_400_000);
  const subject = [{ name: 'commonName', value: 'exoform-secrets-test' }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.sign(key, forge.md.sha256.create());
  const pfx = forge.pkcs12.toPkcs12Asn1(key, [certificate], password, { algorithm: '3des' });
  writeFileSync(path, Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary'));
}

function config(tokenVariable: 'ephemeral' | 'sensitive only'): string {
  const variable = (name: string, ephemeral: boolean): string =>
    `variable "${name}" {\n  type      = string\n  sensitive = true\n  ephemeral = ${ephemeral}\n  default   = null\n}\n`;
  return `${REQUIRED_PROVIDERS}
${variable('exo_access_token', tokenVariable === 'ephemeral')}
${variable('exo_client_secret', true)}
${variable('exo_certificate_password', true)}
provider "exchangeonline" {
  access_token         = var.exo_access_token
  client_secret        = var.exo_client_secret
  certificate_password = var.exo_certificate_password
}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
}

resource "exchangeonline_mailbox_smtp_auth" "chris" {
  identity                            = "chris@contoso.com"
  smtp_client_authentication_disabled = false
}
`;
}

describe('no secret in state, plan, plan JSON, trace logs or errors (R3/R4)', () => {
  let emulator: TestEmulator;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let directory: string;
  let token: string;
  beforeAll(async () => {
    emulator = await startTestEmulator({ token: EMULATOR_KEY });
    proxy = await startProxy(PROXY_USER, PROXY_PASSWORD);
    directory = mkdtempSync(join(tmpdir(), 'exoform-secrets-'));
    writePfx(join(directory, 'app.pfx'), CERTIFICATE_PASSWORD);
    token = mintEmulatorToken(EMULATOR_KEY, {
      aud: 'https://outlook.office365.com',
      exp: Math.floor(Date.now() / 1000) + 3600,
      roles: ['Exchange.ManageAsApp'],
    });
  });
  afterAll(async () => {
    await emulator.stop();
    await new Promise((resolve) => proxy.server.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  test('every credential type, successful and failing runs: no canary in any artefact, in any encoding', async () => {
    // REST bridge whatever EXOFORM_TEST_BRIDGE says (the secrets here are the REST bridge's credentials); no EXO_* from
    // the test environment; retries fast so the failing runs end quickly.
    const base: Record<string, string | undefined> = {
      EXO_BRIDGE: 'rest',
      EXO_POWERSHELL_PATH: undefined,
      EXO_ACCESS_TOKEN: undefined,
      EXO_CLIENT_ID: undefined,
      EXO_CLIENT_SECRET: undefined,
      EXO_CERTIFICATE_PATH: undefined,
      EXO_CERTIFICATE_PASSWORD: undefined,
      EXO_ORGANIZATION: DEMO_TENANT,
      EXO_ENDPOINT: emulator.url,
      HTTP_PROXY: proxy.url(PROXY_USER, PROXY_PASSWORD),
      HTTPS_PROXY: proxy.url(PROXY_USER, PROXY_PASSWORD),
      NO_PROXY: '',
      EXOFORM_RETRY_BACKOFF_MS: '10',
      TF_LOG: 'trace',
    };
    const tf = new TerraformWorkspace({ 'main.tf': config('ephemeral') }, base);
    const artefacts: Array<{ name: string; text: string }> = [];
    let runs = 0;
    /** One terraform run with its own trace log file; stdout, stderr and the log become artefacts. */
    const run = async (
      name: string,
      args: string[],
      env: Record<string, string | undefined>,
      expectedCode: number,
    ): Promise<RunResult> => {
      const logPath = join(directory, `trace-${++runs}.log`);
      const result = await tf.run(args, { ...(env as Record<string, string>), TF_LOG_PATH: logPath });
      artefacts.push(
        { name: `${name}: stdout`, text: result.stdout },
        { name: `${name}: stderr`, text: result.stderr },
        { name: `${name}: TF_LOG=trace`, text: readFileSync(logPath, 'latin1') },
      );
      if (result.code !== expectedCode)
        throw new Error(
          `${name}: terraform ${args.join(' ')} exited ${result.code}, expected ${expectedCode}\n${result.stdout}\n${result.stderr}`,
        );
      return result;
    };
    const flat = (result: RunResult): string => result.stderr.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');
    const withToken = { TF_VAR_exo_access_token: token };
    try {
      await run('init', ['init', '-no-color', '-input=false'], {}, 0);

      // Success: the token through an ephemeral variable, every call through the proxy with user:password in its URL.
      await run('plan -out', ['plan', '-no-color', '-input=false', '-out=tfplan'], withToken, 0);
      const planFile = readFileSync(join(tf.dir, 'tfplan'));
      for (const entry of zipEntries(planFile))
        artefacts.push({ name: `saved plan file: ${entry.name}`, text: entry.text });
      const shownPlan = await run('show -json tfplan', ['show', '-json', 'tfplan'], withToken, 0);
      expect(
        JSON.parse(shownPlan.stdout)
          .resource_changes.map((change: { address: string }) => change.address)
          .sort(),
      ).toEqual(['exchangeonline_mailbox_smtp_auth.chris', 'exchangeonline_transport_config.org']);
      await run('apply tfplan', ['apply', '-no-color', '-input=false', 'tfplan'], withToken, 0);
      expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(true);
      artefacts.push({ name: 'terraform.tfstate', text: tf.read('terraform.tfstate') });
      await run('show -json (state)', ['show', '-json'], withToken, 0);
      expect(proxy.tunnels()).toBeGreaterThan(0); // the proxy credentials were really used

      // Failing runs: each must fail, and say why, without the secret.
      const wrongToken = await run(
        'wrong token',
        ['apply', '-no-color', '-input=false', '-auto-approve'],
        { TF_VAR_exo_access_token: WRONG_TOKEN },
        1,
      );
      expect(flat(wrongToken)).toMatch(/refused/);
      const clientSecret = await run(
        'client secret (EXO_*)',
        ['plan', '-no-color', '-input=false'],
        { EXO_CLIENT_ID: CLIENT_ID, EXO_CLIENT_SECRET: CLIENT_SECRET },
        1,
      );
      expect(flat(clientSecret)).toMatch(/Microsoft Entra ID|login\.microsoftonline\.com/);
      const certificate = { EXO_CLIENT_ID: CLIENT_ID, EXO_CERTIFICATE_PATH: join(directory, 'app.pfx') };
      const certificateRun = await run(
        'certificate, ephemeral password',
        ['plan', '-no-color', '-input=false'],
        { ...certificate, TF_VAR_exo_certificate_password: CERTIFICATE_PASSWORD },
        1,
      );
      expect(flat(certificateRun)).toMatch(/Microsoft Entra ID|login\.microsoftonline\.com/); // the PFX opened; only Entra ID is out of reach
      const wrongPassword = await run(
        'certificate, wrong password (EXO_*)',
        ['plan', '-no-color', '-input=false'],
        { ...certificate, EXO_CERTIFICATE_PASSWORD: WRONG_CERTIFICATE_PASSWORD },
        1,
      );
      expect(flat(wrongPassword)).toMatch(/certificate_password/);
      const endpointCredentials = `http://${ENDPOINT_USER}:${ENDPOINT_PASSWORD}@${new URL(emulator.url).host}`;
      const endpointRun = await run(
        'endpoint with user:password',
        ['plan', '-no-color', '-input=false'],
        { ...withToken, EXO_ENDPOINT: endpointCredentials },
        1,
      );
      expect(flat(endpointRun)).toMatch(/contains credentials/);
      const unparsable = await run(
        'endpoint that does not parse',
        ['plan', '-no-color', '-input=false'],
        { ...withToken, EXO_ENDPOINT: `http://${ENDPOINT_USER}:${ENDPOINT_PASSWORD}@[::1` },
        1,
      );
      expect(flat(unparsable)).toMatch(/is not a URL/);
      const wrongProxy = proxy.url(PROXY_USER, `${PROXY_PASSWORD}-wrong`);
      const proxyRun = await run(
        'proxy refusing its credentials',
        ['plan', '-no-color', '-input=false'],
        { ...withToken, HTTP_PROXY: wrongProxy, HTTPS_PROXY: wrongProxy },
        1,
      );
      expect(flat(proxyRun)).toMatch(/refused to tunnel .* HTTP 407 .*Check the proxy credentials/);
      expect(readdirSync(directory).filter((name) => name.startsWith('trace-')).length).toBe(runs);

      const secrets: Record<string, string> = {
        'access token': token,
        'access token signature': token.split('.')[2]!,
        'wrong access token': WRONG_TOKEN,
        'client secret': CLIENT_SECRET,
        'certificate password': CERTIFICATE_PASSWORD,
        'wrong certificate password': WRONG_CERTIFICATE_PASSWORD,
        'emulator key': EMULATOR_KEY,
        'proxy user:password': `${PROXY_USER}:${PROXY_PASSWORD}`,
        'proxy password': PROXY_PASSWORD,
        'endpoint user:password': `${ENDPOINT_USER}:${ENDPOINT_PASSWORD}`,
        'endpoint password': ENDPOINT_PASSWORD,
      };
      const leaks: string[] = [];
      let searched = 0;
      for (const [secretName, secret] of Object.entries(secrets)) {
        for (const form of encodedForms(secret)) {
          for (const artefact of artefacts) {
            searched++;
            if (artefact.text.includes(form))
              leaks.push(`${secretName} (as ${form === secret ? 'itself' : form}) in ${artefact.name}`);
          }
        }
      }
      expect(leaks).toEqual([]);
      const bytes = artefacts.reduce((sum, artefact) => sum + artefact.text.length, 0);
      console.log(
        `R3/R4 secrets: ${runs} terraform runs (${runs - 1 - 7} successful after init, 7 failing), ${artefacts.length} artefacts (${(bytes / 1e6).toFixed(1)} MB), ${Object.keys(secrets).length} secrets, ${searched} searches: 0 leaks`,
      );
    } finally {
      tf.cleanup();
    }
  });

  test('control: a token in a variable that is only sensitive is in the saved plan, and the search finds it', async () => {
    const tf = new TerraformWorkspace(
      { 'main.tf': config('sensitive only') },
      {
        EXO_BRIDGE: 'rest',
        EXO_ACCESS_TOKEN: undefined,
        EXO_ORGANIZATION: DEMO_TENANT,
        EXO_ENDPOINT: emulator.url,
        TF_VAR_exo_access_token: token,
      },
    );
    try {
      await tf.init();
      await tf.expect(['plan', '-no-color', '-input=false', '-out=tfplan']);
      const shown = (await tf.expect(['show', '-json', 'tfplan'])).stdout;
      expect(JSON.parse(shown).variables.exo_access_token.value).toBe(token);
      expect(zipEntries(readFileSync(join(tf.dir, 'tfplan'))).some((entry) => entry.text.includes(token))).toBe(true);
      expect(encodedForms(token).some((form) => shown.includes(form))).toBe(true);
    } finally {
      tf.cleanup();
    }
  });
});
