import { describe, expect, it } from "vitest";
import { GuacamoleFilesystemError } from "./filesystem-error.ts";
import { parseStreamIndex, STREAM_INDEX_MIMETYPE } from "./stream-index.ts";

describe("parseStreamIndex", () => {
  it("reads guacd's listing of a directory", () => {
    const json = `{"/tmp/z.bin":"application/octet-stream","/tmp/a dir":"${STREAM_INDEX_MIMETYPE}","/tmp/é😀":"application/octet-stream"}`;
    expect(parseStreamIndex(json, "/tmp")).toEqual([
      { path: "/tmp/a dir", name: "a dir", mimetype: STREAM_INDEX_MIMETYPE, directory: true },
      { path: "/tmp/z.bin", name: "z.bin", mimetype: "application/octet-stream", directory: false },
      { path: "/tmp/é😀", name: "é😀", mimetype: "application/octet-stream", directory: false },
    ]);
  });

  it("reads an empty directory", () => {
    expect(parseStreamIndex("{}", "/empty")).toEqual([]);
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["an array", "[]", /not a JSON object/],
    ["null", "null", /not a JSON object/],
    ["a number mimetype", '{"/a":1}', /mimetype of "\/a" is not a string/],
  ])("refuses %s as INVALID_INDEX", (_, json, message) => {
    try {
      parseStreamIndex(json, "/x");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GuacamoleFilesystemError);
      expect((error as GuacamoleFilesystemError).code).toBe("INVALID_INDEX");
      expect((error as GuacamoleFilesystemError).path).toBe("/x");
      expect((error as Error).message).toMatch(message);
    }
  });
});
