import type { RequestHandler } from 'express';
import { HttpError } from './problem.js';

/**
 * Answers a request whose path is a documented route but whose method is not one of the route's with 405 and
 * `Allow`, instead of the 404 a missing route gets (express itself answers OPTIONS on its routes). The routes and
 * their methods come from the OpenAPI document's `paths`, so what is documented is what is enforced. Mount after
 * the routers.
 */
export function methodNotAllowed(paths: Readonly<Record<string, object>>): RequestHandler {
  const routes = Object.entries(paths).map(([template, operations]) => {
    const methods = Object.keys(operations).map((m) => m.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    const pattern = template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return { matcher: new RegExp(`^${pattern}/?$`), allow: [...methods, 'OPTIONS'].join(', ') };
  });
  return (req, _res, next) => {
    const route = routes.find((r) => r.matcher.test(req.path));
    if (route === undefined) return next();
    next(new HttpError('method_not_allowed', `${req.method} is not allowed on ${req.path}; allowed: ${route.allow}`, { headers: { Allow: route.allow } }));
  };
}
