// The realistic API (apps/api-handlers.js) as a fastify app: node cluster runs it in each
// worker (BENCH_APP=./api-fastify-routes), single fastify in its one process.
const { routes, plugins, authenticate } = require('./api-handlers');

module.exports = function apiApp() {
  const app = require('fastify')({ logger: false });
  for (const [plugin, options] of Object.values(plugins)) app.register(plugin, options);
  app.addHook('onRequest', authenticate);
  for (const { method, url, schema, config, handler, status } of routes) {
    app.route({ method, url, schema, config, handler: status ? async (request, reply) => reply.code(status).send(await handler(request)) : handler });
  }
  return app;
};
