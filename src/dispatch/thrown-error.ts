/**
 * What a handler threw, carried to the thread that accepted the request, so that the app's
 * error handler (or gopool's default one) answers it there, as fastify would have. The
 * structured clone keeps an Error's message and stack but drops its class and its own
 * properties (`code`, `statusCode`, `validation`, `errors`...), which error handlers read:
 * both travel here, the class as its name chain, found again on the other side
 * (dispatch/error-classes.ts), so that `err instanceof ApiError` holds there too.
 */
import { type ErrorClasses, nameChain } from './error-classes';

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
  /** Its class's name, then its parents' names up to Error. */
  chain: string[];
}

/** Turns a thrown value into data that can cross to another thread. */
export function packThrown(thrown: unknown): ThrownError {
  if (!(thrown instanceof Error)) {
    return { [MARK]: true, name: 'Error', message: String(thrown), stack: undefined, props: {}, notAnError: true, chain: [] };
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
  return { [MARK]: true, name: thrown.name, message: thrown.message, stack: thrown.stack, props, notAnError: false, chain: nameChain(thrown.constructor) };
}

/**
 * The thrown value as an Error on this thread: the original when it never crossed; otherwise
 * an instance of the same class when `classes` finds it here (made without running its
 * constructor: its message, stack and properties are the thrown one's), a plain Error with its
 * name when not.
 */
export function unpackThrown(value: unknown, classes?: ErrorClasses): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'object' && value !== null && (value as ThrownError)[MARK] === true) {
    const packed = value as ThrownError;
    const cls = packed.notAnError ? undefined : classes?.find(packed.chain);
    const err = cls ? (Object.create(cls.prototype) as Error) : new Error(packed.message);
    if (cls) Object.defineProperty(err, 'message', { value: packed.message, enumerable: false, configurable: true, writable: true });
    if (!cls || err.name !== packed.name) Object.defineProperty(err, 'name', { value: packed.name, enumerable: false, configurable: true, writable: true });
    Object.defineProperty(err, 'stack', { value: packed.stack ?? `${packed.name}: ${packed.message}`, enumerable: false, configurable: true, writable: true });
    return Object.assign(err, packed.props);
  }
  return new Error(String(value));
}

function isPlain(value: unknown): boolean {
  return (
    value === null || ['string', 'number', 'boolean'].includes(typeof value) || (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
  );
}
