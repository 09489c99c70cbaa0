/**
 * Not a test: the child process of crash-safety.test.ts for options the CLI has no flag for. Starts an emulator
 * from source with the JSON options in argv[2], prints its URL as the first stdout line (like `exoform emulator`),
 * and closes cleanly on SIGTERM.
 */
import { EmulatorOptions, startEmulator } from '../../src/emulator';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as EmulatorOptions;
  const emulator = await startEmulator({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${emulator.url}\n`);
  process.on('SIGTERM', () => {
    void emulator.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
      },
    );
  });
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
