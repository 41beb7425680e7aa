// The bench routes as a fastify app with the same plugins as gopool-plugins-app.js.
const { hello, fib, item } = require('./handlers');
const { cors, corsOptions, auth, itemSchema } = require('./plugins');

module.exports = function fastifyPluginsApp() {
  const app = require('fastify')({ logger: false });
  app.register(cors, corsOptions);
  app.addHook('onRequest', auth);
  app.get('/hello', async () => hello());
  app.get('/fib/:n', async (req) => fib(req.params.n));
  app.get('/db', () => item());
  app.post('/items', { schema: itemSchema }, async (req) => ({ created: req.body.name }));
  return app;
};
