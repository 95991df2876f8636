/** Small helpers the benchmark scripts share for their command lines. */
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** True when the module at `moduleUrl` is the script node was started with (never in a worker thread). */
export function isMain(moduleUrl: string): boolean {
  return isMainThread && process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
}
