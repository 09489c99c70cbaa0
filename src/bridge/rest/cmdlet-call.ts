/**
 * Checks a cmdlet call before anything is sent: the name travels in a header (X-CmdletName) and the parameters as
 * JSON. A failure here is a bug in the calling resource, not a user error.
 */

import type { CmdletParameters, JsonValue } from '../bridge';
import { InvalidInputError } from '../errors';

const CMDLET_NAME = /^[A-Za-z]+-[A-Za-z0-9]+$/;

export interface PreparedCall {
  cmdlet: string;
  parameters: CmdletParameters;
  /** {"CmdletName":...,"Parameters":...}; posted as-is for every page. */
  cmdletInput: { CmdletName: string; Parameters: CmdletParameters };
  /** `?$select=A,B` for the InvokeCommand URL, or '' (see InvokeOptions.select). */
  query: string;
}

/** A property name as `$select` may carry it: never free text, so nothing can be spliced into the URL. */
const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function prepareCall(cmdlet: string, parameters: CmdletParameters, select?: readonly string[]): PreparedCall {
  if (typeof cmdlet !== 'string' || !CMDLET_NAME.test(cmdlet)) {
    throw new InvalidInputError(
      `${JSON.stringify(String(cmdlet).slice(0, 80))} is not a cmdlet name (Verb-Noun).`,
      'This is a bug in exoform: please report it.',
      typeof cmdlet === 'string' ? cmdlet : undefined,
    );
  }
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new InvalidInputError(
      `Parameters for ${cmdlet} must be an object.`,
      'This is a bug in exoform: please report it.',
      cmdlet,
    );
  }
  for (const [name, value] of Object.entries(parameters)) checkJsonValue(value, `${cmdlet} -${name}`, cmdlet);
  return {
    cmdlet,
    parameters,
    cmdletInput: { CmdletName: cmdlet, Parameters: parameters },
    query: selectQuery(cmdlet, select),
  };
}

/**
 * `?$select=A,B`: the literal form CIPP (New-ExoRequest) and ExoHelper (Invoke-ExoCommand) append to the InvokeCommand
 * URL. Each name is checked against PROPERTY_NAME and percent-encoded all the same, so no value can change the URL.
 */
function selectQuery(cmdlet: string, select: readonly string[] | undefined): string {
  if (select === undefined || select.length === 0) return '';
  for (const name of select) {
    if (typeof name !== 'string' || !PROPERTY_NAME.test(name)) {
      throw new InvalidInputError(
        `${JSON.stringify(String(name).slice(0, 80))} is not a property name to select from ${cmdlet}.`,
        'This is a bug in exoform: please report it.',
        cmdlet,
      );
    }
  }
  return `?$select=${select.map(encodeURIComponent).join(',')}`;
}

/**
 * JSON.stringify would silently turn NaN/Infinity into null and drop undefined; for Exchange, null means "$null"
 * (e.g. "inherit the org setting"), so a computation bug must fail instead of changing a setting.
 */
function checkJsonValue(value: JsonValue | undefined, where: string, cmdlet: string): void {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
    throw new InvalidInputError(
      `${where} is ${String(value)}, which cannot be sent to Exchange.`,
      'This is a bug in exoform: please report it.',
      cmdlet,
    );
  }
  if (Array.isArray(value)) value.forEach((item) => checkJsonValue(item, where, cmdlet));
  else if (typeof value === 'object' && value !== null)
    Object.values(value).forEach((item) => checkJsonValue(item, where, cmdlet));
}
