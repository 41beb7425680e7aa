// The realistic API's handlers (a RealWorld-like "Conduit" backend: users, articles, tags),
// the same functions for every server of bench/api.mjs. Each takes the request as both fastify
// and gopool give it: `params`, `query`, `body`, `user` (the JWT payload the onRequest hook
// verified; gopool hands it over with `gopool.requestGetter`) and `server` (the fastify
// instance, for `server.jwt.sign`). Data in PostgreSQL (DATABASE_URL; bench/postgres.mjs
// seeds it); each process or thread has its own pg pool (apps/handlers.js).
const bcrypt = require('bcryptjs');
const { openDatabase } = require('./handlers');

const db = () => openDatabase();

/** An error fastify and gopool both answer with its status code. */
function httpError(statusCode, message) {
  return Object.assign(new Error(message), { statusCode });
}

// ---- schemas -------------------------------------------------------------------------------
const profile = {
  type: 'object',
  properties: { username: { type: 'string' }, bio: { type: ['string', 'null'] }, image: { type: ['string', 'null'] }, following: { type: 'boolean' } },
};
const articleProperties = {
  slug: { type: 'string' },
  title: { type: 'string' },
  description: { type: 'string' },
  tagList: { type: 'array', items: { type: 'string' } },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
  favorited: { type: 'boolean' },
  favoritesCount: { type: 'integer' },
  author: profile,
};
const articleList = {
  200: {
    type: 'object',
    properties: { articles: { type: 'array', items: { type: 'object', properties: articleProperties } }, articlesCount: { type: 'integer' } },
  },
};
const page = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  offset: { type: 'integer', minimum: 0, default: 0 },
};

const schemas = {
  login: {
    body: {
      type: 'object',
      required: ['user'],
      properties: {
        user: {
          type: 'object',
          required: ['email', 'password'],
          properties: { email: { type: 'string', format: 'email', maxLength: 200 }, password: { type: 'string', minLength: 1, maxLength: 200 } },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
  listArticles: {
    querystring: {
      type: 'object',
      properties: { ...page, tag: { type: 'string', maxLength: 100 }, author: { type: 'string', maxLength: 100 } },
      additionalProperties: false,
    },
    response: articleList,
  },
  feed: {
    querystring: { type: 'object', properties: page, additionalProperties: false },
    response: articleList,
  },
  getArticle: {
    params: { type: 'object', required: ['slug'], properties: { slug: { type: 'string', minLength: 1, maxLength: 200 } } },
    response: { 200: { type: 'object', properties: { article: { type: 'object', properties: { ...articleProperties, body: { type: 'string' } } } } } },
  },
  createArticle: {
    body: {
      type: 'object',
      required: ['article'],
      properties: {
        article: {
          type: 'object',
          required: ['title', 'description', 'body'],
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 200 },
            description: { type: 'string', minLength: 1, maxLength: 500 },
            body: { type: 'string', minLength: 1, maxLength: 20000 },
            tagList: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 40 }, maxItems: 10 },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
};

// ---- queries -------------------------------------------------------------------------------
/** One joined query: a page of articles with their author, tag list and favorites count. */
const ARTICLE_COLUMNS = `a.slug, a.title, a.description, a.created_at, a.updated_at, u.username, u.bio, u.image,
  ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY t.name) AS tags,
  (SELECT count(*)::int FROM favorites f WHERE f.article_id = a.id) AS favorites_count`;

const LIST = `SELECT ${ARTICLE_COLUMNS}
  FROM articles a JOIN users u ON u.id = a.author_id
  WHERE ($3::text IS NULL OR a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = $3))
    AND ($4::text IS NULL OR u.username = $4)
  ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2`;
const LIST_COUNT = `SELECT count(*)::int AS n FROM articles a JOIN users u ON u.id = a.author_id
  WHERE ($1::text IS NULL OR a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = $1))
    AND ($2::text IS NULL OR u.username = $2)`;

const FEED = `SELECT ${ARTICLE_COLUMNS},
    EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $3) AS favorited
  FROM articles a JOIN users u ON u.id = a.author_id
  WHERE a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = $3)
  ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2`;
const FEED_COUNT = 'SELECT count(*)::int AS n FROM articles WHERE author_id IN (SELECT followee_id FROM follows WHERE follower_id = $1)';

function toArticle(row, following = false) {
  return {
    slug: row.slug,
    title: row.title,
    description: row.description,
    ...(row.body === undefined ? {} : { body: row.body }),
    tagList: row.tags,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    favorited: row.favorited ?? false,
    favoritesCount: row.favorites_count,
    author: { username: row.username, bio: row.bio, image: row.image, following },
  };
}

// ---- handlers ------------------------------------------------------------------------------
/** POST /api/users/login: the user by email, bcrypt's compare, a signed JWT. */
async function login({ body, server }) {
  const { email, password } = body.user;
  const { rows } = await db().query({
    name: 'user-by-email',
    text: 'SELECT id, email, username, bio, image, password_hash FROM users WHERE email = $1',
    values: [email],
  });
  const user = rows[0];
  if (!user || !(await bcrypt.compare(password, user.password_hash))) throw httpError(401, 'email or password is invalid');
  const token = server.jwt.sign({ id: user.id, username: user.username });
  return { user: { email: user.email, token, username: user.username, bio: user.bio, image: user.image } };
}

/** GET /api/articles?limit&offset&tag&author: a page of articles and how many there are. */
async function listArticles({ query }) {
  const tag = query.tag ?? null;
  const author = query.author ?? null;
  const [list, count] = await Promise.all([
    db().query({ name: 'articles', text: LIST, values: [query.limit ?? 20, query.offset ?? 0, tag, author] }),
    db().query({ name: 'articles-count', text: LIST_COUNT, values: [tag, author] }),
  ]);
  return { articles: list.rows.map((row) => toArticle(row)), articlesCount: count.rows[0].n };
}

/** GET /api/articles/feed (authenticated): the articles of the authors the user follows. */
async function feed({ query, user }) {
  const [list, count] = await Promise.all([
    db().query({ name: 'feed', text: FEED, values: [query.limit ?? 20, query.offset ?? 0, user.id] }),
    db().query({ name: 'feed-count', text: FEED_COUNT, values: [user.id] }),
  ]);
  return { articles: list.rows.map((row) => toArticle(row, true)), articlesCount: count.rows[0].n };
}

/** GET /api/articles/:slug */
async function getArticle({ params }) {
  const { rows } = await db().query({
    name: 'article',
    text: `SELECT ${ARTICLE_COLUMNS}, a.body FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $1`,
    values: [params.slug],
  });
  if (rows.length === 0) throw httpError(404, 'article not found');
  return { article: toArticle(rows[0]) };
}

/** GET /api/tags */
async function listTags() {
  const { rows } = await db().query({ name: 'tags', text: 'SELECT name FROM tags ORDER BY name' });
  return { tags: rows.map((row) => row.name) };
}

/** POST /api/articles (authenticated): one INSERT (the article and its tags, in one statement). */
async function createArticle({ body, user }) {
  const { title, description, body: text, tagList = [] } = body.article;
  const slug = `${
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80) || 'article'
  }-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const { rows } = await db().query({
    name: 'create-article',
    text: `WITH article AS (
             INSERT INTO articles (slug, title, description, body, author_id) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, slug, title, description, body, created_at, updated_at),
           tagged AS (
             INSERT INTO article_tags (article_id, tag_id) SELECT article.id, t.id FROM article, tags t WHERE t.name = ANY($6::text[])
             RETURNING tag_id)
           SELECT article.*, ARRAY(SELECT t.name FROM tags t WHERE t.name = ANY($6::text[]) ORDER BY t.name) AS tags FROM article`,
    values: [slug, title, description, text, user.id, tagList],
  });
  return { article: toArticle({ ...rows[0], username: user.username, bio: null, image: null, favorites_count: 0 }) };
}

/**
 * The CORS and JWT options, and the onRequest hook: routes whose config says `auth: true`
 * need a valid `Authorization: Bearer <JWT>` (verified by @fastify/jwt; 401 otherwise).
 */
const JWT_SECRET = process.env.JWT_SECRET ?? 'bench-api-secret-please-change';
const plugins = {
  cors: [require('@fastify/cors'), { origin: true, credentials: true, maxAge: 600 }],
  jwt: [require('@fastify/jwt'), { secret: JWT_SECRET, sign: { expiresIn: '1d' } }],
};
async function authenticate(request, reply) {
  if (!request.routeOptions.config?.auth) return;
  try {
    await request.jwtVerify();
  } catch {
    return reply.code(401).send({ errors: { body: ['missing or invalid token'] } });
  }
}

/** The routes, as both servers declare them. `status`: the code of a successful answer. */
const routes = [
  { method: 'POST', url: '/api/users/login', schema: schemas.login, handler: login },
  { method: 'GET', url: '/api/articles', schema: schemas.listArticles, handler: listArticles },
  { method: 'GET', url: '/api/articles/feed', schema: schemas.feed, config: { auth: true }, handler: feed },
  { method: 'GET', url: '/api/articles/:slug', schema: schemas.getArticle, handler: getArticle },
  { method: 'POST', url: '/api/articles', schema: schemas.createArticle, config: { auth: true }, handler: createArticle, status: 201 },
  { method: 'GET', url: '/api/tags', handler: listTags },
];

module.exports = { routes, plugins, authenticate, JWT_SECRET };
