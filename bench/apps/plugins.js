// What a production fastify app adds to every route, for the "fastify app" benchmark: CORS,
// an auth onRequest hook (a bearer token compared in constant time), and a body schema on the
// POST route. The same pieces for gopool (declared on gopool) and for the fastify baselines.
const { timingSafeEqual } = require('node:crypto');

const TOKEN = Buffer.from('Bearer bench-token');
async function auth(request, reply) {
  const given = Buffer.from(request.headers.authorization ?? '');
  if (given.length !== TOKEN.length || !timingSafeEqual(given, TOKEN)) return reply.code(401).send({ error: 'unauthorized' });
}

const itemSchema = {
  body: {
    type: 'object',
    required: ['name', 'price'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, price: { type: 'number', minimum: 0 } },
    additionalProperties: false,
  },
};

module.exports = { cors: require('@fastify/cors'), corsOptions: { origin: true }, auth, itemSchema };
