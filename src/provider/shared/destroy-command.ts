/**
 * Whether the terraform (or tofu) command that started this provider is a destroy.
 *
 * Terraform plans the configuration, as for an apply, before every destroy (the "pre-destroy refresh": a normal-mode
 * plan whose planned changes it throws away, keeping only the refreshed state). Nothing in the plugin protocol tells
 * that plan from an apply's: PlanResourceChange carries the same prior state, configuration and client capabilities,
 * and Terraform's own PreDestroyRefresh flag only turns check blocks into warnings inside Terraform. So a plan-time
 * "not found" for a new identity, right for a typo in an apply's plan, would also stop `terraform destroy` while the
 * configuration still declares a mailbox, user or policy that an earlier apply already dropped from the state.
 *
 * The only witness is the command line of the process that started the provider (Terraform execs the provider
 * directly; the packaged provider's `#!/usr/bin/env node` line keeps that parent). Read lazily, once per process,
 * only when a lookup comes back empty. Where it cannot be read (Windows, a debugger-attached provider, any error)
 * this answers false: the plan fails as for a typo, and `terraform destroy -refresh=false` remains the way out.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DiagnosticError, type AttributePath } from '../../protocol/diagnostics';

/** terraform, tofu, and versioned names of them (terraform_1.12.2, tofu-1.9); never terraform-provider-*. */
const TERRAFORM_BINARY = /^(terraform|tofu)([-_]?v?\d[\w.-]*)?(\.exe)?$/i;

/**
 * Whether `argv` (a process's whole argument list, program first) runs a Terraform or OpenTofu command that makes a
 * destroy plan: `destroy`, or `plan`/`apply` with `-destroy`. Global options (`-chdir=DIR`) come before the command.
 */
export function isDestroyInvocation(argv: readonly string[]): boolean {
  if (argv.length < 2 || !TERRAFORM_BINARY.test(basename(argv[0].replace(/\\/g, '/')))) return false;
  const rest = argv.slice(1);
  const commandAt = rest.findIndex((arg) => !arg.startsWith('-'));
  if (commandAt < 0) return false;
  const command = rest[commandAt];
  if (command === 'destroy') return true;
  if (command !== 'plan' && command !== 'apply') return false;
  return rest.slice(commandAt + 1).some((arg) => /^--?destroy(=(true|1|t))?$/i.test(arg));
}

/** The parent process's arguments; undefined where they cannot be read. */
function parentArgv(): string[] | undefined {
  try {
    if (process.platform === 'linux') {
      const raw = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8');
      return raw.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
    }
    if (process.platform === 'darwin' || process.platform === 'freebsd') {
      // No /proc: ps joins the arguments with spaces, which is enough to see the command and its -destroy flag.
      const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
      const line = execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(process.ppid)], {
        encoding: 'utf8',
        timeout: 2000,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      return line.trim().split(/\s+/);
    }
  } catch {
    // Not readable: treated as no destroy (the safe side: a missing object fails the plan).
  }
  return undefined;
}

let cached: boolean | undefined;

/** Whether this provider process serves a `terraform destroy` (or `plan -destroy` / `apply -destroy`). */
export function servesDestroyCommand(): boolean {
  if (cached === undefined) {
    const argv = parentArgv();
    cached = argv !== undefined && isDestroyInvocation(argv);
  }
  return cached;
}

/**
 * A plan-time error about what the configuration would create or change (a policy name taken meanwhile, a mailbox
 * two resources disagree on): right for an apply's plan, but the plan Terraform makes before a destroy is thrown away
 * and the destroy creates and changes nothing, so there it would only block removing what is in the state. Under a
 * destroy this warns with the error's own text, saying that it does not stop the destroy, and returns true; for any
 * other command, or any other error, it returns false and the caller rethrows the error, exactly as before:
 * `catch (error) { if (!warnsUnderDestroy(error, warn)) throw error; }`.
 */
export function warnsUnderDestroy(
  error: unknown,
  warn: (summary: string, detail?: string, path?: AttributePath) => void,
): boolean {
  if (!(error instanceof DiagnosticError) || !servesDestroyCommand()) return false;
  const { summary, detail, path } = error.diagnostic;
  warn(
    summary,
    `${detail ? `${detail}\n\n` : ''}This does not stop the destroy, which creates and changes nothing: it removes ` +
      'what is in the state. An apply of this configuration still fails here until this is fixed.',
    path,
  );
  return true;
}
