// The ESM face of the CommonJS build: one implementation, so `import` and `require` users
// share a single route table. `import gopool from "gopool"` gives the instance itself.
//
// Named re-exports only, never `import cjs from './index.js'`: what a default import of a
// CommonJS file means differs between TypeScript's resolution modes (the whole module under
// node16/nodenext, its `export default` under bundler), so declarations written against it
// break for some consumers. Named imports mean the same in every mode, and Node finds these
// names in index.js (its exports are the plain assignments and getters tsc emits).
import { gopool } from './index.js';

export type * from './index.js';
export { Gopool, gopool, HttpError, httpError, jsonParser, Reply, reply, sse } from './index.js';
export default gopool;
