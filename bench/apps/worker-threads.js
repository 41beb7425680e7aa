// A fastify app on worker threads of one process, one per CPU, each accepting on its own
// descriptor of one listening socket (as gopool's ingress threads do): the first thread
// listens, the others take its descriptor. BENCH_APP: a fastify routes module (as
// node-cluster.js takes); INGRESS=1: gopool's ingress request path instead
// (ingress-thread-app.js, APP its app file). For bench/interleaved.mjs: threads against
// processes, and gopool's request path on threads without gopool's master.
//
// CONNECTIONS (the load's connection count): each thread keeps at most its share of them and
// closes the others as they arrive, so that the client reconnects until it reaches a thread with
// room. The kernel hands a burst of new connections mostly to one thread, and one thread serving
// all of them spends less CPU per request than two sharing them on this 2-core machine, where
// the load generator needs a core (bench/README.md); gopool and a node cluster spread theirs.
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { availableParallelism } = require('node:os');

if (isMainThread) {
  const threads = Number(process.env.WORKERS ?? availableParallelism());
  const share = process.env.CONNECTIONS ? Math.ceil(Number(process.env.CONNECTIONS) / threads) : Infinity;
  const first = new Worker(__filename, { workerData: { fd: -1, share } });
  first.once('message', ({ fd, port }) => {
    let up = 1;
    const ready = () => {
      if (up === threads) console.log(JSON.stringify({ msg: ` listening on http://127.0.0.1:${port}`, url: `http://127.0.0.1:${port}` }));
    };
    ready();
    for (let i = 1; i < threads; i++)
      new Worker(__filename, { workerData: { fd, share } }).once('message', () => {
        up++;
        ready();
      });
  });
  process.on('SIGTERM', () => process.exit(0));
} else {
  (async () => {
    const app = process.env.INGRESS ? await require('./ingress-thread-app').ingressThreadApp() : require(process.env.BENCH_APP ?? './fastify-routes')();
    let open = 0;
    app.server.on('connection', (socket) => {
      if (open >= workerData.share) return void socket.destroy();
      open++;
      socket.once('close', () => open--);
    });
    const where = workerData.fd < 0 ? { port: 0, host: '127.0.0.1' } : { handle: { fd: workerData.fd } };
    await app.listen(where);
    parentPort.postMessage({ fd: app.server._handle.fd, port: app.server.address().port });
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
