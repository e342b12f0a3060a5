// The entry of the worker thread in which `nixeval instantiate` runs again when the calling
// thread's stack was too small for it (see instantiate-main.ts). A CommonJS module, as the
// command line's entry is: Node starts it without its ES module loader, which cost the worker
// about 20 ms of CPU more (src/cli/load-entry.cts).

import { parentPort, workerData } from 'node:worker_threads';
import type { InstantiateWorkerData } from './instantiate-main.js' with { 'resolution-mode': 'import' };
import { loadInstantiate } from './load-entry.cjs';

void loadInstantiate().then((entry) => parentPort!.postMessage(entry.instantiateWorker(workerData as InstantiateWorkerData)));
