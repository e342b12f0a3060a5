// nixpkgs lib's lib/fileset/tests.sh with nixeval as nix-instantiate (see suites.ts).

import { describeSuites } from './suite-test.js';

describeSuites('nixpkgs lib fileset/tests.sh', ['fileset'], 1_200_000);
