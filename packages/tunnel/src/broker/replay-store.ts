/**
 * The outcome of claiming a token id: `unverifiable` when the token was issued before the store's
 * last empty start (it may have been used before the store lost what it knew).
 */
export type ReplayClaim = "claimed" | "replayed" | "full" | "unverifiable";
/** Where a ReplayGuard remembers which token ids were used (in memory by default; Redis/Valkey for many brokers). */
export interface ReplayStore {
  /**
   * Claims `id` until `expiresAt` (ms since the epoch). With `issuedAt`, a store answers
   * `"unverifiable"` (and claims nothing) for a token issued before it last started empty. Rejects
   * (or throws) when the store cannot answer: the guard then fails closed.
   */
  claim(
    id: string,
    expiresAt: number,
    now: number,
    issuedAt?: number,
  ): ReplayClaim | Promise<ReplayClaim>;
}
