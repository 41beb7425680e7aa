// The ESM face of the CommonJS build: one implementation, so `import` and `require` users
// share a single route table. `import gopool from "gopool"` gives the instance itself.
import cjs from './index.js';

export const gopool = cjs.gopool;
export const Gopool = cjs.Gopool;
export const HttpError = cjs.HttpError;
export const httpError = cjs.httpError;
export const reply = cjs.reply;
export const Reply = cjs.Reply;
export type * from './index.js';
export default cjs.gopool;
