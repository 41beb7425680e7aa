/** The index of a status's class: 1..5 for 1xx..5xx; anything else counts as 5xx. */
export function statusClassOf(status: number): number {
  const cls = (status / 100) | 0;
  return cls >= 1 && cls <= 5 ? cls : 5;
}
