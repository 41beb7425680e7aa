// Baseline: plain single-process fastify with the same routes as the gopool bench app.
const app = require('./fastify-routes')();
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((url) => console.log(JSON.stringify({ msg: ` listening on ${url}`, url })));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
