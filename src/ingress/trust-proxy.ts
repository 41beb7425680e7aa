/**
 * The `trustProxy` option as text (flag, environment, config) to fastify's value: `false`
 * (default: the client is the socket's peer), `true` (trust every X-Forwarded-For hop), a
 * number of hops, or a comma-separated list of addresses and CIDR ranges of the proxies.
 */
export function parseTrustProxy(text: string): boolean | number | string[] {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}
