/** The outcome of claiming a token id. */
export type ReplayClaim = "claimed" | "replayed" | "full";
/** Where a ReplayGuard remembers which token ids were used (in memory by default; Redis/Valkey for many brokers). */
export interface ReplayStore {
  /** Claims `id` until `expiresAt` (ms since the epoch). Rejects (or throws) when the store cannot answer: the guard then fails closed. */
  claim(id: string, expiresAt: number, now: number): ReplayClaim | Promise<ReplayClaim>;
}
