// The entry of the worker thread in which `nixeval instantiate` runs again when the calling
// thread's stack was too small for it (see instantiate-main.ts).

import { parentPort, workerData } from 'node:worker_threads';
import type { InstantiateWorkerData } from './instantiate-main.js';
import { loadInstantiate } from './load-entry.cjs';

const entry = await loadInstantiate();
parentPort!.postMessage(entry.instantiateWorker(workerData as InstantiateWorkerData));
