// The bench app for gopool: the same routes; gopool decides where each handler runs.
const { gopool } = require('gopool');
const { hello, fib, item, hash, openDatabase, closeDatabase } = require('./handlers');
// A process's budget of PG_POOL_MAX connections, shared by the threads that run handlers: at
// most `cpus` of them run at once (README: per-thread resources).
gopool.onThreadStart = ({ cpus }) => {
  openDatabase(Math.ceil(Number(process.env.PG_POOL_MAX ?? 10) / cpus));
};
gopool.onThreadStop = () => closeDatabase();
gopool.get('/hello', () => hello());
gopool.get('/fib/:n', ({ params }) => fib(params.n));
gopool.get('/db', () => item());
gopool.get('/hash', () => hash());
module.exports = gopool;
