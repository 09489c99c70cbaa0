import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/cli';
import { CliIo } from '../../src/cli/io';
import { parseEmulatorArgs } from '../../src/cli/emulator-command';
import { BIN, DEMO, REPO, TOKEN, cmdletBody, request, runCli, spawnCli, tempDir } from './helpers';

function captureIo(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe('exoform CLI', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('prints the URL as the first stdout line, serves, and exits 0 on SIGTERM after saving', async () => {
    const dataFile = join(dir.path, 'state.json');
    const cli = await spawnCli([
      'emulator',
      '--data',
      dataFile,
      '--token',
      TOKEN,
      '--page-size',
      '4',
      '--latency-ms',
      '1',
    ]);
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await request(`${cli.url}/adminapi/beta/${DEMO}/InvokeCommand`, {
      body: cmdletBody('Get-CASMailbox', { ResultSize: 'Unlimited' }),
    });
    expect(answer.body.value).toHaveLength(4);
    await request(`${cli.url}/adminapi/beta/${DEMO}/InvokeCommand`, {
      body: cmdletBody('Set-TransportConfig', { SmtpClientAuthenticationDisabled: false }),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(cli.stdout()).toContain(`token: ${TOKEN}`);
    expect(cli.stdout()).toContain('contoso.onmicrosoft.com');
    expect(cli.stderr()).toContain('seeded 1 tenant(s) from demo');
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).tenants[0].transportConfig.SmtpClientAuthenticationDisabled).toBe(
      false,
    );
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
  });

  it('generates a random token when none is given and prints it', async () => {
    const cli = await spawnCli(['emulator', '--data', join(dir.path, 'state.json')]);
    await new Promise((r) => setTimeout(r, 100));
    const token = /token: (\S+)/.exec(cli.stdout())?.[1];
    expect(token).toBeDefined();
    expect(token!.length).toBeGreaterThanOrEqual(24);
    const answer = await request(`${cli.url}/_emulator/tenants`, { method: 'GET', token });
    expect(answer.status).toBe(200);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });

  it('warns when listening on a non-loopback address', async () => {
    const cli = await spawnCli([
      'emulator',
      '--data',
      join(dir.path, 'state.json'),
      '--host',
      '0.0.0.0',
      '--token',
      TOKEN,
    ]);
    expect(cli.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(cli.stderr()).toContain('warning: listening on 0.0.0.0, not loopback');
    cli.child.kill('SIGTERM');
    // stderr is part of the expectation so that a failure shows what the emulator said.
    expect({ ...(await cli.exited), stderr: cli.stderr() }).toMatchObject({ code: 0, signal: null });
  });

  it.each([
    [['emulator'], '--data <file> is required'],
    [['emulator', '--data', 'x.json', '--port', '70000'], '--port must be a whole number from 0 to 65535, got "70000"'],
    [['emulator', '--data', 'x.json', '--page-size', '0'], '--page-size must be a whole number from 1'],
    [['emulator', '--data', 'x.json', '--latency-ms', '-5'], '--latency-ms'],
    [['emulator', '--data', 'x.json', '--bogus'], "Unknown option '--bogus'"],
    [['emulator', '--data', 'x.json', 'extra'], 'extra'],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('rejects %j with exit status 2 and a clear message', async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err).toContain(message);
    expect(io.out).toBe('');
  });

  it('documents every option in --help', async () => {
    const io = captureIo();
    expect(await main(['emulator', '--help'], io)).toBe(0);
    for (const flag of [
      '--data',
      '--seed',
      '--port',
      '--host',
      '--token',
      '--latency-ms',
      '--connect-latency-ms',
      '--page-size',
    ])
      expect(io.out).toContain(flag);
    const top = captureIo();
    expect(await main(['--help'], top)).toBe(0);
    expect(top.out).toContain('emulator');
  });

  it('parses flags into startEmulator options', () => {
    expect(
      parseEmulatorArgs([
        '--data',
        's.json',
        '--seed',
        'f.json',
        '--port',
        '8080',
        '--latency-ms',
        '5',
        '--connect-latency-ms',
        '7',
        '--page-size',
        '50',
      ]),
    ).toEqual({
      help: false,
      options: {
        dataFile: 's.json',
        seed: 'f.json',
        port: 8080,
        host: '127.0.0.1',
        token: undefined,
        latency: { callMs: 5, connectMs: 7, pageSize: 50 },
      },
    });
  });

  it('bin/exoform.js runs from a clone without a build (through tsx)', async () => {
    // A copy of the checkout's layout without dist/, so the tsx fallback is exercised even where dist/ was built.
    mkdirSync(join(dir.path, 'bin'));
    copyFileSync(BIN, join(dir.path, 'bin', 'exoform.js'));
    symlinkSync(join(REPO, 'src'), join(dir.path, 'src'));
    symlinkSync(join(REPO, 'node_modules'), join(dir.path, 'node_modules'));
    const result = spawnSync(process.execPath, [join(dir.path, 'bin', 'exoform.js'), '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: exoform <command>');
    const bad = spawnSync(process.execPath, [join(dir.path, 'bin', 'exoform.js'), 'emulator', '--nope'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--nope'");
  });

  it('bin/exoform.js as installed (dist/cli.js if built, else tsx) answers --help', async () => {
    const result = await runCli(['--help'], { fromSource: false });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: exoform <command>');
  });
});
