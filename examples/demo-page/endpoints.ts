// GUACD_ENDPOINTS for the example brokers: several guacd as `[id=]host:port` separated by commas
// (`g1=10.0.0.7:4822,g2=10.0.0.8:4822`), or a JSON array of GuacdEndpoint objects for weights and
// labels (`[{"id":"g1","host":"10.0.0.7","port":4822,"weight":2,"labels":{"region":"eu"}}]`).
import type { GuacdEndpoint } from "@guacstream/tunnel";

/** Parses GUACD_ENDPOINTS; throws a `RangeError` naming the entry that is not an endpoint. */
export function parseEndpoints(text: string): GuacdEndpoint[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const value: unknown = JSON.parse(trimmed);
    if (!Array.isArray(value)) throw new RangeError("GUACD_ENDPOINTS: expected an array");
    return value.map((item, i) => checked(item, `entry ${i}`));
  }
  return trimmed
    .split(",")
    .filter((part) => part.trim() !== "")
    .map((part) => {
      const match = /^(?:([^=\s]+)=)?(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):([0-9]{1,5})$/.exec(
        part.trim(),
      );
      if (match === null) throw new RangeError(`GUACD_ENDPOINTS: "${part}" is not [id=]host:port`);
      const host = match[2]!.replace(/^\[(.*)\]$/, "$1");
      return checked(
        { ...(match[1] === undefined ? {} : { id: match[1] }), host, port: Number(match[3]) },
        part,
      );
    });
}

function checked(item: unknown, where: string): GuacdEndpoint {
  const e = item as Partial<Record<keyof GuacdEndpoint, unknown>> | null;
  const labels = e?.labels;
  if (
    e === null ||
    typeof e !== "object" ||
    typeof e.host !== "string" ||
    !Number.isInteger(e.port) ||
    (e.port as number) < 1 ||
    (e.port as number) > 65535 ||
    (e.id !== undefined && typeof e.id !== "string") ||
    (e.weight !== undefined && !(typeof e.weight === "number" && e.weight > 0)) ||
    (labels !== undefined &&
      (typeof labels !== "object" ||
        labels === null ||
        Object.values(labels).some((v) => typeof v !== "string")))
  ) {
    throw new RangeError(`GUACD_ENDPOINTS: ${where} is not an endpoint`);
  }
  return e as GuacdEndpoint;
}
