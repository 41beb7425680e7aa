/**
 * What a handler threw, carried to the thread that accepted the request, so that the app's
 * error handler (or gopool's default one) answers it there, as fastify would have. The
 * structured clone keeps an Error's message and stack but drops its own properties (`code`,
 * `statusCode`, `validation`, `errors`...), which error handlers read: they travel here.
 */
const MARK = '__gopoolThrown';

export interface ThrownError {
  [MARK]: true;
  name: string;
  message: string;
  stack: string | undefined;
  /** The error's own enumerable properties that survive a structured clone. */
  props: Record<string, unknown>;
  /** The thrown value was not an Error (a string, a number, ...). */
  notAnError: boolean;
}

/** Turns a thrown value into data that can cross to another thread. */
export function packThrown(thrown: unknown): ThrownError {
  if (!(thrown instanceof Error)) {
    return { [MARK]: true, name: 'Error', message: String(thrown), stack: undefined, props: {}, notAnError: true };
  }
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(thrown)) {
    if (key === 'message' || key === 'stack' || key === 'name') continue;
    try {
      structuredClone(value);
      props[key] = value;
    } catch {
      // a socket, a function: not meaningful on another thread
    }
  }
  // @fastify/error and http-errors put these on the prototype or as non-enumerables.
  for (const key of ['code', 'statusCode', 'status', 'expose', 'headers'] as const) {
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (value !== undefined && !(key in props) && isPlain(value)) props[key] = value;
  }
  return { [MARK]: true, name: thrown.name, message: thrown.message, stack: thrown.stack, props, notAnError: false };
}

/** The thrown value as an Error on this thread: the original when it never crossed. */
export function unpackThrown(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'object' && value !== null && (value as ThrownError)[MARK] === true) {
    const packed = value as ThrownError;
    const err = new Error(packed.message);
    Object.defineProperty(err, 'name', { value: packed.name, enumerable: false, configurable: true, writable: true });
    if (packed.stack !== undefined) err.stack = packed.stack;
    return Object.assign(err, packed.props);
  }
  return new Error(String(value));
}

function isPlain(value: unknown): boolean {
  return (
    value === null || ['string', 'number', 'boolean'].includes(typeof value) || (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
  );
}
