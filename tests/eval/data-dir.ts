import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared BEIR collections: $LATEINDEX_DATA, else `shared/data` beside the repository (as in CI). */
export const SHARED_DATA = process.env.LATEINDEX_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
