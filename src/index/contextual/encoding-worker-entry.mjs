// Encoding worker bootstrap: worker threads do not inherit the main thread's tsx loader on Node 20, so register it
// here before loading the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./encoding-worker.ts');
export default worker.default;
