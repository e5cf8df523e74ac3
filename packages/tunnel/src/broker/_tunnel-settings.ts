import { TunnelError } from "../base/errors.ts";
import type { AcceptTunnelOptions } from "./accept-tunnel-options.ts";
import { openTunnelToken, queryOf } from "./open-tunnel-token.ts";
import { applyBrowserSettings, type ConnectionSettings } from "./settings.ts";

/** What a tunnel's token grants: its id and the settings the handshake will use. */
export interface TunnelGrant {
  readonly tokenId: string;
  readonly settings: ConnectionSettings;
}

/**
 * The token phase: opens the token (unless it was opened before the upgrade), adds the browser's
 * allowed settings, and decides read-only. Throws {@link TunnelError} (a malformed token when the
 * cause is anything else).
 */
export async function grantOf(
  url: string | URL,
  options: AcceptTunnelOptions,
): Promise<TunnelGrant> {
  try {
    const token = options.token ?? (await openTunnelToken(url, options));
    const settings = applyBrowserSettings(token.settings, queryOf(url), options.allow ?? []);
    // Fail closed: only absence or a real false means control; a join may be forced to view.
    const readOnly =
      (settings.readOnly !== undefined && settings.readOnly !== false) ||
      (settings.join !== undefined && options.joinReadOnly === true);
    return {
      tokenId: token.id,
      settings: { ...settings, ...(readOnly ? { readOnly: true } : {}) },
    };
  } catch (cause) {
    throw cause instanceof TunnelError
      ? cause
      : new TunnelError("TOKEN_MALFORMED", "Cannot open token", { cause });
  }
}
