// The handlers of the fastify + piscina baseline, run on piscina's threads.
const { hello, fib, item } = require('./handlers');
module.exports = ({ route, n }) => (route === 'fib' ? fib(n) : route === 'db' ? item() : hello());
