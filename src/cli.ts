#!/usr/bin/env node
// `nixeval` under the name it had before its entry became a CommonJS module: runs
// dist/src/cli.cjs (src/cli.cts), the package's bin, which is faster to start. Kept so that
// `node dist/src/cli.js ...` goes on working.

import './cli.cjs';
