// Plain single-process fastify streaming the same 10 MiB.
const fastify = require('fastify')();
const tenMegabytes = require('./streams-body');

fastify.get('/stream', (_request, reply) => reply.type('application/octet-stream').send(tenMegabytes()));
fastify.listen({ port: 0, host: '127.0.0.1' }).then((url) => console.log(JSON.stringify({ msg: ` listening on ${url}`, url })));
process.on('SIGTERM', () => fastify.close().then(() => process.exit(0)));
