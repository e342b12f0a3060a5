// nixpkgs lib's lib/tests/modules.sh (410 checks) with nixeval as nix-instantiate, in shards
// that run at the same time (see suites.ts).

import { describeSuites } from './suite-test.js';

describeSuites('nixpkgs lib modules.sh', ['modules'], 1_200_000);
