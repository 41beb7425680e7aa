// gopool's ingress request path (ingress-thread-app.js) in a node cluster's worker processes,
// one per CPU: gopool's code on the request path, without gopool's threads (bench/interleaved.mjs).
const cluster = require('node:cluster');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');

cluster.setupPrimary({ exec: join(__dirname, 'ingress-thread-app.js') });
const workers = Number(process.env.WORKERS ?? availableParallelism());
for (let i = 0; i < workers; i++) cluster.fork();
let listening = 0;
cluster.on('listening', (_worker, address) => {
  if (++listening === workers) console.log(JSON.stringify({ msg: ` listening on http://127.0.0.1:${address.port}`, url: `http://127.0.0.1:${address.port}` }));
});
process.on('SIGTERM', () => {
  for (const worker of Object.values(cluster.workers)) worker.kill();
  process.exit(0);
});
