// The handlers of the fastify + piscina baseline, run on piscina's threads.
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
module.exports = ({ route, params }) => (route === 'fib' ? { value: fib(Number(params.n)) } : { hello: 'world' });
