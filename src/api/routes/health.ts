import { Router } from 'express';
import type { IndexRegistry } from '../index-registry.js';
import type { Lifecycle } from '../lifecycle.js';

/** `GET /livez` (the process answers) and `GET /readyz` (every index is open and the server takes requests). */
export function healthRoutes(lifecycle: Lifecycle, registry: IndexRegistry): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    if (lifecycle.phase === 'ready') {
      res.json({ status: 'ready', indexes: registry.names() });
      return;
    }
    // Retry-After tells load balancers when to look again; while stopping the answer will not change.
    if (lifecycle.phase === 'starting') res.setHeader('Retry-After', '1');
    res.status(503).json({ status: lifecycle.phase });
  });
  return router;
}
