/**
 * `gopool.publish(topic, data)` / `gopool.subscribe(topic, listener)`: messages between the
 * threads of one process (the master, the ingress threads, the pool threads; the one thread of
 * single mode), so that a message published anywhere reaches the WebSocket connections (or
 * anything else subscribed) of every thread that accepts connections.
 *
 * Every thread reaches the others through one BroadcastChannel by name: no wiring through the
 * thread protocols, and a thread that starts or retires joins or leaves by itself. A thread
 * opens its channel on its first publish or subscription and closes it when it has no
 * subscription left and has not published for a while: an open channel receives (and
 * deserializes) every message of the process, which a thread that only publishes now and then
 * should not pay for, while one that publishes often keeps it (opening a channel costs far more
 * than a post). The channel is unref'd: it never keeps a retiring thread alive.
 *
 * A BroadcastChannel does not deliver to the object that posted, so this thread's own
 * subscribers get a clone made at the publish call, delivered in a microtask: like everywhere
 * else, after the publisher's synchronous code and as a copy it can no longer change.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { ERR_PUBLISH_NOT_CLONEABLE, ERR_TOPIC_ARGUMENT } from '../errors';
import type { TopicListener } from './types';

const CHANNEL = 'gopool:topics';
/** How long a thread with no subscription keeps its channel after its last publish. */
const CLOSE_IDLE_AFTER_MS = 5000;

/** Where a listener's failure is reported (the thread's logger once the thread has one). */
export interface TopicsLog {
  error(details: object, message: string): void;
}

interface Subscription {
  listener: TopicListener<unknown>;
}

type Wire = [topic: string, data: unknown];

export class Topics {
  private channel: BroadcastChannel | undefined;
  private readonly byTopic = new Map<string, Set<Subscription>>();
  private count = 0;
  private publishedAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  log: TopicsLog = { error: (details, message) => console.error(message, details) };

  publish(topic: string, data: unknown): void {
    checkTopic('publish', topic);
    const channel = this.open();
    try {
      channel.postMessage([topic, data] satisfies Wire);
    } catch (err) {
      throw new ERR_PUBLISH_NOT_CLONEABLE(topic, (err as Error).message);
    }
    this.publishedAt = Date.now();
    if (this.byTopic.has(topic)) {
      // Cloned now, as the other threads got it: the publisher may change `data` afterwards.
      const copy = structuredClone(data);
      queueMicrotask(() => this.deliver(topic, copy));
    }
    this.closeWhenIdle();
  }

  subscribe<T>(topic: string, listener: TopicListener<T>): () => void {
    checkTopic('subscribe', topic);
    if (typeof listener !== 'function') throw new ERR_TOPIC_ARGUMENT('subscribe', 'the listener must be a function');
    this.open();
    const subscription: Subscription = { listener: listener as TopicListener<unknown> };
    let set = this.byTopic.get(topic);
    if (set === undefined) this.byTopic.set(topic, (set = new Set()));
    set.add(subscription);
    this.count++;
    return () => {
      // Once: a second call, or one after the thread released its subscriptions, does nothing.
      if (!set.delete(subscription)) return;
      this.count--;
      if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
      this.closeWhenIdle();
    };
  }

  /** This thread's subscriptions to `topic`, or to any topic. */
  subscriptions(topic?: string): number {
    if (topic === undefined) return this.count;
    return this.byTopic.get(topic)?.size ?? 0;
  }

  /** The thread stops: every subscription here ends and the channel closes. */
  release(): void {
    for (const set of this.byTopic.values()) set.clear();
    this.byTopic.clear();
    this.count = 0;
    this.close();
  }

  private open(): BroadcastChannel {
    if (this.channel !== undefined) return this.channel;
    const channel = new BroadcastChannel(CHANNEL);
    channel.unref();
    channel.onmessage = (event) => {
      const wire = (event as { data: unknown }).data;
      // Only gopool posts on this channel; anything else is not a message of ours.
      if (Array.isArray(wire) && typeof wire[0] === 'string') this.deliver(wire[0], wire[1]);
    };
    channel.onmessageerror = (event) => {
      this.log.error({ err: (event as { data: unknown }).data }, 'a message published from another thread could not be read here');
    };
    this.channel = channel;
    return channel;
  }

  private deliver(topic: string, data: unknown): void {
    const set = this.byTopic.get(topic);
    if (set === undefined) return;
    for (const { listener } of set) {
      try {
        const result = listener(data);
        if (result instanceof Promise) result.catch((err: unknown) => this.failed(topic, err));
      } catch (err) {
        this.failed(topic, err);
      }
    }
  }

  /** A listener's error is its own: logged, never a crash of the thread that delivered. */
  private failed(topic: string, err: unknown): void {
    this.log.error({ err, topic }, `a subscriber of the topic ${topic} failed`);
  }

  /** With no subscription left, the channel closes once this thread has not published for a while. */
  private closeWhenIdle(): void {
    if (this.count > 0 || this.channel === undefined || this.idleTimer !== undefined) return;
    const wait = CLOSE_IDLE_AFTER_MS - (Date.now() - this.publishedAt);
    if (wait <= 0) {
      this.close();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.closeWhenIdle();
    }, wait);
    this.idleTimer.unref();
  }

  private close(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.channel?.close();
    this.channel = undefined;
  }
}

function checkTopic(call: 'publish' | 'subscribe', topic: unknown): void {
  if (typeof topic !== 'string' || topic === '') throw new ERR_TOPIC_ARGUMENT(call, 'the topic must be a non-empty string');
}

const KEY = Symbol.for('gopool.topics');

/** The topics of this thread, shared by every copy of gopool loaded in it. */
export function topics(): Topics {
  const holder = globalThis as { [KEY]?: Topics };
  return (holder[KEY] ??= new Topics());
}
