// Worker bootstrap: worker threads do not inherit the main thread's tsx loader on Node 20, so register it here
// and then load the TypeScript worker module named in workerData.module (it reads the rest of workerData).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
