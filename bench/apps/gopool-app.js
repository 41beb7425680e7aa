// The bench app for gopool: the same routes; gopool decides where each handler runs.
const { gopool } = require('gopool');
const { hello, fib, item, hash, openDatabase, closeDatabase } = require('./handlers');
// A process's budget of PG_BUDGET connections (the suite gives it what the cluster's workers have in all), shared by every thread that may run handlers
// (README: per-thread resources).
gopool.onThreadStart = ({ share }) => {
  openDatabase(share(Number(process.env.PG_BUDGET ?? process.env.PG_POOL_MAX ?? 10)));
};
gopool.onThreadStop = () => closeDatabase();
gopool.get('/hello', () => hello());
gopool.get('/fib/:n', ({ params }) => fib(params.n));
gopool.get('/db', () => item());
gopool.get('/hash', () => hash());
module.exports = gopool;
