/**
 * Keeps one of node's tick objects (what `process.nextTick` queues) alive for the life of the
 * thread. V8 drops the maps of objects that stay dead through a few full collections, and a
 * start-up that loads and compiles an app (fastify's schemas among them) runs such
 * collections while no tick is queued. The tick literal is then built on new maps, its
 * property definitions see more maps than their inline caches hold, and they stay megamorphic:
 * every `process.nextTick`, several per request, defines its properties in V8's runtime
 * (bench/README.md, "A fastify app with plugins"). A live tick object keeps its map, and with
 * it the transitions that lead there. Called when a realm is first set up (runtime/realm.ts).
 *
 * The only public way to reach a tick object is an async hook's `init`: one is enabled for
 * this one nextTick and disabled at once.
 */
import { createHook } from 'node:async_hooks';

const KEPT = Symbol.for('gopool.keptTickObject');

export function keepTickMaps(): void {
  const holder = globalThis as { [KEPT]?: object };
  if (holder[KEPT] !== undefined) return;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject') holder[KEPT] = resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(noop);
  } finally {
    hook.disable();
  }
}

function noop(): void {}
