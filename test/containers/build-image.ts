// Jest global set-up of the container tests: builds the image once (the Docker format keeps
// its HEALTHCHECK; podman's default OCI format drops it), for every test file to run.

import { IMAGE, podman } from './podman.js';

export default async function buildImage(): Promise<void> {
  const t0 = Date.now();
  await podman(['build', '--format', 'docker', '--network', 'host', '-t', IMAGE, '.'], 20 * 60_000);
  process.stdout.write(`\nbuilt ${IMAGE} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
