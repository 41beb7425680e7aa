// gopool: the 10 MiB stream made on a pool thread (runOn "pool"), sent by the accepting thread.
const { gopool } = require('../..'); // this repository's build: no bench/ install needed
const tenMegabytes = require('./streams-body');

gopool.get('/stream', { runOn: 'pool' }, () => tenMegabytes());
module.exports = gopool;
