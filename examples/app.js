// The example from the spec, in CommonJS. Run it: npm start (or: npx gopool start examples/app.js)
const { gopool } = require('gopool');
const { threadId } = require('node:worker_threads');

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// Only these request headers cross into the threads.
gopool.headerGetter = (headers) => ({ 'user-agent': headers['user-agent'] });

gopool.get('/v1/hello', async ({ query, headers, ctx }) => ({ hello: query.name, headers, somebody: ctx.somebody, threadId }));
gopool.post('/v1/world', ({ body }) => ({ ...body }));
gopool.get('/fib/:n', ({ params }) => ({ value: fib(Number(params.n)) }));
gopool.post('/v1/items', ({ body }) => gopool.reply({ created: body }, { status: 201, headers: { location: '/v1/items/1' } }));
gopool.get('/v1/teapot', () => {
  throw gopool.httpError(418, 'I am a teapot');
});

gopool.onMaster = async ({ app, ctx }) => {
  ctx.somebody = { hello: 'world' }; // structured-cloned into every thread
  app.get('/master/ping', (req) => ({ query: req.query, threadId })); // answered by the master
};

gopool.startWithThreadsPool({ port: 3000 });
module.exports = gopool;
