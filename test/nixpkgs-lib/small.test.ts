// nixpkgs lib's smaller suites with nixeval as nix-instantiate (see suites.ts).

import { describeSuites } from './suite-test.js';

describeSuites('nixpkgs lib suites', [
  'misc', 'systems', 'fetchers', 'debug', 'filesystem', 'network', 'sources', 'path-unit', 'path-prop',
], 600_000);
