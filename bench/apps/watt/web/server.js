// Platformatic Watt: the same fastify routes; Watt runs one copy per worker thread.
module.exports.create = () => require('../../fastify-routes')();
