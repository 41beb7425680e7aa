// The gopool bench app with what production apps add (apps/plugins.js): declared once on
// gopool, run on every thread that accepts connections.
const { gopool } = require('gopool');
const { hello, fib, item } = require('./handlers');
const { cors, corsOptions, auth, itemSchema } = require('./plugins');
gopool.register(cors, corsOptions);
gopool.addHook('onRequest', auth);
gopool.get('/hello', () => hello());
gopool.get('/fib/:n', ({ params }) => fib(params.n));
gopool.get('/db', () => item());
gopool.post('/items', { schema: itemSchema }, ({ body }) => ({ created: body.name }));
module.exports = gopool;
