/**
 * What went wrong in a {@link GuacamoleFilesystemError}:
 * - `NOT_FOUND`: guacd did not answer a `get` in time. guacd answers a path it cannot stat or
 *   open with silence, so a missing file and an unreadable one look the same.
 * - `REFUSED`: guacd acknowledged a transfer with a failure status (see `status` and `cause`).
 * - `INVALID_INDEX`: a directory listing that is not a JSON object of paths to mimetypes.
 * - `NOT_A_DIRECTORY` / `IS_A_DIRECTORY`: `list()` of a file, `download()` of a directory.
 * - `SESSION_ENDED`: the session ended before the transfer finished.
 */
export type GuacamoleFilesystemErrorCode =
  | "NOT_FOUND"
  | "REFUSED"
  | "INVALID_INDEX"
  | "NOT_A_DIRECTORY"
  | "IS_A_DIRECTORY"
  | "SESSION_ENDED";

/**
 * A failed operation on a filesystem guacd exposes (SFTP, an RDP drive): the path, and guacd's
 * status when guacd gave one.
 * `GuacamoleFilesystem`'s `list`, `download` and `upload` fail with it; check `code`, and
 * `status` against `GUACAMOLE_STATUS`.
 */
export class GuacamoleFilesystemError extends Error {
  /** The class name, for logs. */
  override readonly name = "GuacamoleFilesystemError";
  /** Stable identifier of the fault. */
  readonly code: GuacamoleFilesystemErrorCode;
  /** The path the operation was on. */
  readonly path: string;
  /** guacd's numeric status, for `REFUSED`; otherwise `undefined`. */
  readonly status: number | undefined;

  /** A fault `code` on `path`; `status` is guacd's, for `REFUSED`. */
  constructor(
    code: GuacamoleFilesystemErrorCode,
    path: string,
    message: string,
    status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.path = path;
    this.status = status;
  }
}
