// The bench routes as a fastify app, for every baseline built on fastify.
const { hello, fib, item, hash } = require('./handlers');

module.exports = function fastifyApp() {
  const app = require('fastify')({ logger: false });
  app.get('/hello', async () => hello());
  app.get('/fib/:n', async (req) => fib(req.params.n));
  app.get('/db', () => item());
  app.get('/hash', () => hash());
  return app;
};
