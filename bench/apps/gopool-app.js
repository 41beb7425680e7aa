// The bench app for gopool: the same routes; gopool decides where each handler runs.
const { gopool } = require('gopool');
const { hello, fib, item, hash } = require('./handlers');
gopool.get('/hello', () => hello());
gopool.get('/fib/:n', ({ params }) => fib(params.n));
gopool.get('/db', () => item());
gopool.get('/hash', () => hash());
module.exports = gopool;
