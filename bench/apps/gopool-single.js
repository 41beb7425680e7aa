// gopool in single mode (startWithSingle: one thread accepts the connections and runs every
// handler, with gopool's layer around fastify), with the routes of apps/gopool-app.js: what
// gopool's own layer costs against plain fastify (apps/fastify-single.js) doing the same.
const gopool = require('./gopool-app');
gopool.startWithSingle({ port: 0, host: '127.0.0.1' });
