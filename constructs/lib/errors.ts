/**
 * One error style for every exoform construct: which construct (its path in the app), what is wrong, and what to do.
 */

export class ConstructValidationError extends Error {
  /**
   * @param constructPath the construct's path in the app (`node.path`), e.g. `quickstart/baseline`
   * @param problem what is wrong, as a sentence
   * @param fix what the user should change
   */
  constructor(
    readonly constructPath: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`[${constructPath}] ${problem}\nFix: ${fix}`);
    this.name = 'ConstructValidationError';
  }
}
