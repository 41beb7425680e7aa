// The realistic API (apps/api-handlers.js) on gopool: the plugins and the JWT hook declared on
// gopool run on every thread that accepts connections; the hook's verified token reaches the
// handler as `user` (requestGetter). The login signs its token with `request.server.jwt`:
// `server`, the fastify instance of the thread running the handler, comes with gopool's
// request-path redesign; a gopool without it answers the login with 500.
const { gopool, reply } = require('gopool');
const { openDatabase, closeDatabase } = require('./handlers');
const { routes, plugins, authenticate } = require('./api-handlers');

// A process's budget of PG_BUDGET connections (the suite gives it what the cluster's workers have in all), shared by every thread that may run handlers
// (README: per-thread resources).
gopool.onThreadStart = ({ share }) => {
  openDatabase(share(Number(process.env.PG_BUDGET ?? process.env.PG_POOL_MAX ?? 10)));
};
gopool.onThreadStop = () => closeDatabase();
for (const [plugin, options] of Object.values(plugins)) gopool.register(plugin, options);
gopool.addHook('onRequest', authenticate);
gopool.requestGetter = (request) => ({ user: request.user });
for (const { method, url, schema, config, handler, status } of routes) {
  gopool[method.toLowerCase()](url, { schema, config }, status ? async (request) => reply(await handler(request), { status }) : handler);
}
module.exports = gopool;
