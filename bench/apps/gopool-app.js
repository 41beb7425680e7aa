// The bench app for gopool: the same routes, handlers on the thread pool.
const { gopool } = require('gopool');
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
gopool.get('/hello', () => ({ hello: 'world' }));
gopool.get('/fib/:n', ({ params }) => ({ value: fib(Number(params.n)) }));
module.exports = gopool;
