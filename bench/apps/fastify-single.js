// Baseline: plain single-process fastify with the same routes as the gopool bench app
// (BENCH_APP: another routes module, as for apps/node-cluster.js).
const app = require(process.env.BENCH_APP ?? './fastify-routes')();
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((url) => console.log(JSON.stringify({ msg: ` listening on ${url}`, url })));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
