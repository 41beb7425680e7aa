// Baseline: plain single-process fastify with the same routes as the gopool bench app.
const fastify = require('fastify')({ logger: false });
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
fastify.get('/hello', async () => ({ hello: 'world' }));
fastify.get('/fib/:n', async (req) => ({ value: fib(Number(req.params.n)) }));
fastify.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((url) => console.log(JSON.stringify({ msg: ` listening on ${url}`, url })));
process.on('SIGTERM', () => fastify.close().then(() => process.exit(0)));
