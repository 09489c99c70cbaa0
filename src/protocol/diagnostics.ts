/**
 * Diagnostics: what Terraform shows the user. Every error carries a summary (what went wrong), a detail (why, and
 * what to do) and, where it concerns one attribute, the path to it so Terraform can point at the line.
 */

/** An attribute name, a list/set index, or a map key. */
export type PathStep = string | number | { readonly key: string };
export type AttributePath = readonly PathStep[];

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  readonly path?: AttributePath;
}

/** Thrown where a failure should reach the user as exactly this diagnostic. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.summary + (diagnostic.detail ? `: ${diagnostic.detail}` : ''));
  }
}

export function errorDiagnostic(summary: string, detail?: string, path?: AttributePath): Diagnostic {
  return { severity: 'error', summary, detail, path };
}

export function warningDiagnostic(summary: string, detail?: string, path?: AttributePath): Diagnostic {
  return { severity: 'warning', summary, detail, path };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}

export function attributePathToProto(path: AttributePath): object {
  return {
    steps: path.map((step) =>
      typeof step === 'string'
        ? { attribute_name: step }
        : typeof step === 'number'
          ? { element_key_int: step }
          : { element_key_string: step.key },
    ),
  };
}

const SEVERITY = { error: 1, warning: 2 } as const;

export function diagnosticToProto(diagnostic: Diagnostic): object {
  return {
    severity: SEVERITY[diagnostic.severity],
    summary: diagnostic.summary,
    detail: diagnostic.detail ?? '',
    attribute: diagnostic.path && diagnostic.path.length ? attributePathToProto(diagnostic.path) : undefined,
  };
}
