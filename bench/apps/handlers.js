// The work every bench app does, whatever runs it: a JSON hello, fib(n) (CPU), and one row
// from PostgreSQL (I/O; DATABASE_URL, set by bench/suite.mjs). Each process or thread that
// serves /db opens its own pg pool of PG_POOL_MAX connections, on first use.
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));

let pool;
/** A pool of `max` connections (default PG_POOL_MAX), opened on first use unless opened before. */
function openDatabase(max = Number(process.env.PG_POOL_MAX ?? 10)) {
  if (!pool) {
    const { Pool } = require('pg');
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max });
  }
  return pool;
}
function database() {
  return openDatabase();
}
async function closeDatabase() {
  if (pool) await pool.end();
  pool = undefined;
}

const ITEMS = 1000;
async function item() {
  const id = 1 + Math.floor(Math.random() * ITEMS);
  const { rows } = await database().query({ name: 'item', text: 'SELECT id, name, price FROM items WHERE id = $1', values: [id] });
  return rows[0];
}

/** CPU done in chunks across event-loop turns, as bcryptjs hashes: cheap before its first await. */
async function hash() {
  const bcrypt = require('bcryptjs');
  return { length: (await bcrypt.hash('correct horse battery staple', 8)).length };
}

module.exports = { hello: () => ({ hello: 'world' }), fib: (n) => ({ value: fib(Number(n)) }), item, hash, openDatabase, closeDatabase };
