import { exhaustiveJob } from './exhaustive-job.js';
import { serveWorker } from './worker-pool.js';

serveWorker(exhaustiveJob);
