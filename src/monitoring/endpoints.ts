import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dashboardPage } from './dashboard-page';
import type { Metrics } from './metrics';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus';

/** Route config that keeps monitoring's own requests out of the request metrics. */
export const INTERNAL_ROUTE = { gopoolInternal: true };

export interface EndpointOptions {
  /** Path prefix: the `infoUrl` on the public port, '' on the monitoring port. */
  prefix: string;
  /** When set, every endpoint but /livez and /readyz wants `Authorization: Bearer <token>` or `?token=`. */
  token: string;
}

/**
 * The monitoring endpoints: `<prefix>` (JSON, the original's infoUrl), `<prefix>/metrics`
 * (Prometheus), `<prefix>/history` (the last ten minutes, per second), `<prefix>/dashboard`
 * (a live page), `<prefix>/livez` and `<prefix>/readyz` (health, never behind the token).
 */
export function monitoringEndpoints(metrics: Metrics, options: EndpointOptions) {
  const base = options.prefix.replace(/\/+$/, '');
  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!options.token || authorized(req, options.token)) return true;
    reply.code(401).header('www-authenticate', 'Bearer').send({ statusCode: 401, error: 'Unauthorized', message: 'monitoring needs a token' });
    return false;
  };
  return async function endpoints(app: FastifyInstance): Promise<void> {
    const config = INTERNAL_ROUTE;
    app.get(base || '/', { config }, (req, reply) => {
      if (guard(req, reply)) reply.send(metrics.snapshot());
    });
    app.get(`${base}/metrics`, { config }, async (req, reply) => {
      if (guard(req, reply)) reply.type(PROMETHEUS_CONTENT_TYPE).send(await renderPrometheus(metrics));
      return reply;
    });
    app.get(`${base}/history`, { config }, (req, reply) => {
      if (guard(req, reply)) reply.send(metrics.historyPoints());
    });
    app.get(`${base}/dashboard`, { config }, (req, reply) => {
      if (guard(req, reply))
        reply.type('text/html; charset=utf-8').send(dashboardPage(base, { snapshot: metrics.snapshot(), history: metrics.historyPoints() }));
    });
    app.get(`${base}/livez`, { config }, (_req, reply) => {
      reply.send({ live: true });
    });
    app.get(`${base}/readyz`, { config }, (_req, reply) => {
      const ready = metrics.ready();
      reply.code(ready ? 200 : 503).send({ ready });
    });
  };
}

/** `Authorization: <scheme> <token>`: the scheme is case-insensitive (RFC 7235), blanks around the token tolerated. */
const BEARER = /^bearer +(\S+) *$/i;

function authorized(req: FastifyRequest, token: string): boolean {
  const bearer = BEARER.exec(req.headers.authorization ?? '')?.[1];
  const given = bearer ?? (req.query as Record<string, unknown> | undefined)?.token;
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
