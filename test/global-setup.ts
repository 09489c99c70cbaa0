// Placeholder until the provider package step exists; replaced by the build of dist/ for acceptance tests.
export default async function globalSetup(): Promise<void> {}
