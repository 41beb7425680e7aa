// Moved to src/errors.ts; kept while other branches still import it from here.
export { GopoolError, reportStartFailure } from '../errors';
