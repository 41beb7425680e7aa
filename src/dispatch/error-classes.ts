/**
 * The error classes an app's own functions can see, found on the thread that needs them: an
 * error thrown on one thread crosses to another as data (dispatch/thrown-error.ts), and the
 * app's error handler there expects the class it was thrown as (`err instanceof ApiError`).
 * The app file is loaded on every thread, so the class exists here too; it may be declared in
 * the app file without being exported, so it is found where the app's code refers to it: the
 * closures of its route handlers, hooks and error handlers (`[[Scopes]]`, through this thread's
 * own inspector session, synchronous). The walk costs a few milliseconds, once, on the first
 * error that needs it, and again only for a class not found then.
 */
import { Session } from 'node:inspector';

export type ErrorClass = new (...args: never[]) => Error;
/** Any function of the app's: a handler, a hook, a plugin. */
export type AppFunction = (...args: never[]) => unknown;

const BUILT_IN: Readonly<Record<string, ErrorClass>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
};

export class ErrorClasses {
  private byName: Map<string, ErrorClass[]> | undefined;
  private rescanned = false;

  /** `roots`: the app's functions whose closures may refer to its error classes. */
  constructor(private readonly roots: () => AppFunction[]) {}

  /** The class whose name chain (its own name first, then its parents', up to Error) is `chain`, if exactly one is. */
  find(chain: readonly string[]): ErrorClass | undefined {
    const name = chain[0];
    if (name === undefined) return undefined;
    if (chain.length <= 2 && BUILT_IN[name] && (chain.length === 1 || chain[1] === 'Error')) return BUILT_IN[name];
    let found = this.match(chain);
    if (found === undefined && !this.rescanned && this.byName !== undefined) {
      // A class the first walk did not meet (defined later, or reached another way): look once more.
      this.rescanned = true;
      this.byName = undefined;
      found = this.match(chain);
    }
    return found;
  }

  private match(chain: readonly string[]): ErrorClass | undefined {
    this.byName ??= index(classesSeenBy(this.roots()));
    const candidates = (this.byName.get(chain[0]!) ?? []).filter((cls) => sameChain(nameChain(cls), chain));
    return candidates.length === 1 ? candidates[0] : undefined;
  }
}

/** A class's name, then its parents' names up to (and with) Error. */
export function nameChain(cls: unknown): string[] {
  const names: string[] = [];
  for (let c: unknown = cls; typeof c === 'function' && names.length < 16; c = Object.getPrototypeOf(c)) {
    names.push((c as { name: string }).name);
    if (c === Error) break;
  }
  return names;
}

function sameChain(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function index(classes: Iterable<ErrorClass>): Map<string, ErrorClass[]> {
  const byName = new Map<string, ErrorClass[]>();
  for (const cls of classes) {
    const list = byName.get(cls.name) ?? [];
    if (!list.includes(cls)) list.push(cls);
    byName.set(cls.name, list);
  }
  return byName;
}

interface RemoteProperty {
  name: string;
  value?: { type?: string; className?: string; objectId?: string; description?: string };
}

/** Every Error subclass bound in the closures (module scope included) of these functions. */
function classesSeenBy(functions: AppFunction[]): Set<ErrorClass> {
  const found = new Set<ErrorClass>();
  if (functions.length === 0) return found;
  let session: Session;
  try {
    session = new Session();
    session.connect();
  } catch {
    return found; // a Node built without the inspector: errors keep their name, not their class
  }
  // The session answers synchronously on its own thread.
  const post = <T>(method: string, params: object): T => {
    let result: T | undefined;
    let failure: Error | null = null;
    session.post(method, params, (err, answer) => {
      failure = err;
      result = answer as T;
    });
    if (failure) throw failure;
    return result as T;
  };
  const probe = Symbol.for('gopool.error-classes.probe');
  const holder = globalThis as { [probe]?: { functions: AppFunction[]; keep: (value: unknown) => void } };
  holder[probe] = {
    functions,
    keep: (value) => {
      if (typeof value === 'function' && value.prototype instanceof Error) found.add(value as ErrorClass);
    },
  };
  try {
    const properties = (objectId: string): { result: RemoteProperty[]; internalProperties?: RemoteProperty[] } =>
      post('Runtime.getProperties', { objectId, ownProperties: true });
    const elements = (objectId: string) => properties(objectId).result.filter((p) => /^\d+$/.test(p.name));
    const list = post<{ result: { objectId: string } }>('Runtime.evaluate', { expression: "globalThis[Symbol.for('gopool.error-classes.probe')].functions" });
    const walked = new Set<string>();
    for (const fn of elements(list.result.objectId)) {
      const scopes = properties(fn.value!.objectId!).internalProperties?.find((p) => p.name === '[[Scopes]]');
      if (!scopes?.value?.objectId) continue;
      for (const scope of elements(scopes.value.objectId)) {
        const kind = scope.value?.description ?? '';
        // The global scope holds only the built-in classes.
        if (kind === 'Global' || !scope.value?.objectId) continue;
        const bindings = properties(scope.value.objectId).result;
        // A module's scope is in every one of its functions' chains: walked once.
        const fingerprint = `${kind}:${bindings.map((b) => b.name).join(',')}`;
        if (walked.has(fingerprint)) continue;
        walked.add(fingerprint);
        for (const binding of bindings) {
          if (binding.value?.type === 'function' && binding.value.objectId) {
            post('Runtime.callFunctionOn', {
              objectId: binding.value.objectId,
              functionDeclaration: "function () { globalThis[Symbol.for('gopool.error-classes.probe')].keep(this); }",
            });
          }
        }
      }
    }
  } catch {
    // what was found before the inspector refused is kept
  } finally {
    delete holder[probe];
    session.disconnect();
  }
  return found;
}
