// Baseline: the original gopool's design, fastify on the main thread and every handler
// dispatched to piscina (atomics: 'async', the fix for the stall bug).
const path = require('node:path');
const { Piscina } = require('piscina');
const fastify = require('fastify')({ logger: false });
const pool = new Piscina({ filename: path.join(__dirname, 'piscina-handlers.js'), atomics: 'async' });
fastify.get('/hello', () => pool.run({ route: 'hello' }));
fastify.get('/fib/:n', (req) => pool.run({ route: 'fib', n: req.params.n }));
fastify.get('/db', () => pool.run({ route: 'db' }));
fastify.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((url) => console.log(JSON.stringify({ msg: ` listening on ${url}`, url })));
process.on('SIGTERM', () =>
  fastify
    .close()
    .then(() => pool.destroy())
    .then(() => process.exit(0)),
);
