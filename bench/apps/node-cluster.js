// Baseline: node's cluster module with one fastify worker per CPU (what pm2 -i N does).
const cluster = require('node:cluster');
const { availableParallelism } = require('node:os');

if (cluster.isPrimary) {
  // WORKER_FILE: a program each worker runs instead (it listens on port 0, one port the primary
  // shares among the workers): apps/ingress-thread-app.js, gopool's request path in processes.
  if (process.env.WORKER_FILE) cluster.setupPrimary({ exec: require('node:path').join(__dirname, process.env.WORKER_FILE) });
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    if (++listening === workers)
      console.log(JSON.stringify({ msg: ` listening on http://127.0.0.1:${address.port}`, url: `http://127.0.0.1:${address.port}` }));
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  });
} else {
  // Workers share the primary's port (round-robin): PORT must be fixed, 0 would differ per worker.
  // BENCH_APP: another routes module (the plugins variant of the fastify-app benchmark).
  require(process.env.BENCH_APP ?? './fastify-routes')().listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}
