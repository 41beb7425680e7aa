// The spec example as an ES module.

import { threadId } from 'node:worker_threads';
import { gopool } from 'gopool';

const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));

gopool.headerGetter = (headers) => ({ 'user-agent': headers['user-agent'] });
gopool.get('/v1/hello', async ({ query, headers, ctx }) => ({ hello: query.name, headers, somebody: ctx.somebody, threadId }));
gopool.post('/v1/world', ({ body }) => ({ ...body }));
gopool.get('/fib/:n', ({ params }) => ({ value: fib(Number(params.n)) }));

gopool.onMaster = async ({ app, ctx }) => {
  ctx.somebody = { hello: 'world' };
  app.get('/master/ping', (req) => ({ query: req.query, threadId }));
};

gopool.startWithThreadsPool({ port: 3000 });
export default gopool;
