// Declares jest tests for some of the nixpkgs lib suites, sharing one workspace; skipped with
// a message where ../shared/nixpkgs-lib is absent, as the conformance suite is.

import { createWorkspace, defaultLibDir, disposeWorkspace, findNixpkgsLib, runSuite, SUITES, type Workspace } from './suites.js';

/** Declares one test per named suite, each allowed `timeoutMs`. */
export function describeSuites(title: string, names: string[], timeoutMs: number): void {
  const libDir = findNixpkgsLib();
  if (libDir === undefined) {
    console.log(`nixpkgs lib suites skipped: nixpkgs lib is not at ${defaultLibDir} (set NIXEVAL_NIXPKGS_LIB to use another folder)`);
    test.skip(`${title} (nixpkgs lib absent)`, () => {});
    return;
  }
  describe(title, () => {
    let ws: Workspace;
    beforeAll(() => { ws = createWorkspace(libDir); });
    afterAll(() => { if (ws !== undefined) disposeWorkspace(ws); });
    for (const name of names) {
      const suite = SUITES.find((s) => s.name === name);
      if (suite === undefined) throw new Error(`no suite '${name}'`);
      test(name, async () => {
        const result = await runSuite(ws, suite, timeoutMs);
        if (result.failure !== undefined) throw new Error(`${name} failed:\n${result.failure}`);
      }, timeoutMs + 30_000);
    }
  });
}
