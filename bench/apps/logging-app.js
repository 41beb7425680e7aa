// One console line per request on /log, none on /quiet: what does writing logs cost?
const { gopool } = require('gopool');
gopool.get('/quiet', () => ({ ok: true }));
gopool.get('/log', ({ query }) => {
  console.log(`handled request ${query.i ?? ''} with a log line of ordinary length for an application`);
  return { ok: true };
});
gopool.get('/thread', () => ({ pid: process.pid }));
module.exports = gopool;
