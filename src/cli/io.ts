/** What a CLI command may touch: output streams and the exit-code convention. Tests pass their own. */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Wrong flags or arguments: the CLI prints the message and a pointer to --help, and exits with status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliCommand {
  /** One line for the top-level help. */
  readonly summary: string;
  readonly help: string;
  /** Resolves with the exit status; long-running commands resolve when they are told to stop. */
  run(args: string[], io: CliIo): Promise<number>;
}
