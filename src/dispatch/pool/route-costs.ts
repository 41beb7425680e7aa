// Kept only for thread-pool.ts, which another change rewrites: route-costs.ts moved to
// dispatch/ because placement.ts (dispatch/) reads it, and dispatch/ may not import its pool.
// Delete this file once thread-pool.ts imports '../route-costs'.
export { RouteCosts } from '../route-costs';
