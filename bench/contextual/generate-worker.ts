import { generationJob } from './generation-job.js';
import { serveWorker } from './worker-pool.js';

serveWorker(generationJob);
