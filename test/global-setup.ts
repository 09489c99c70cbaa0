/**
 * Packages the provider once for the whole run: acceptance tests install it from dist/mirror with the real
 * terraform binary, exactly as a user does.
 */
import { packageProvider } from '../scripts/package';

export default async function globalSetup(): Promise<void> {
  await packageProvider();
}
