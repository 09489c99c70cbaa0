/**
 * The `exoform` command line. Subcommands are registered in COMMANDS; adding one is one import and one line.
 *
 * Entry points: bin/exoform.js (installed package or fresh clone), or `tsx src/cli/cli.ts <command>`.
 */
import { doctorCommand } from './doctor';
import { emulatorCommand } from './emulator-command';
import { reportCommand } from './report-command';
import { CliCommand, CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, processIo } from './io';

const COMMANDS: Readonly<Record<string, CliCommand>> = {
  emulator: emulatorCommand,
  report: reportCommand,
  doctor: doctorCommand,
};

function topLevelHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: exoform <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    "Run 'exoform <command> --help' for a command's options.",
  ].join('\n');
}

/** Runs the CLI and resolves with the process exit status; never calls process.exit itself. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr(`${topLevelHelp()}\n`);
    return EXIT_USAGE;
  }
  if (name === '--version') {
    // The runtime matters: a release executable embeds its own Node (README, "Install the provider").
    io.stdout(`exoform, Node ${process.version} (${process.platform}-${process.arch})\n`);
    return EXIT_OK;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${topLevelHelp()}\n`);
    return EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`exoform: unknown command '${name}'.\n\n${topLevelHelp()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`exoform ${name}: ${error.message}\nRun 'exoform ${name} --help' for the options.\n`);
      return EXIT_USAGE;
    }
    io.stderr(`exoform ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
