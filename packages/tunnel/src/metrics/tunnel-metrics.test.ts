import type { GuacdDuplex } from "@guacstream/codec/client";
import { describe, expect, it } from "vitest";
import { GuacdPool } from "../scale/pool.ts";
import { parsePrometheus } from "./_test-prometheus.ts";
import { TunnelMetrics } from "./tunnel-metrics.ts";

const pipe = (): GuacdDuplex => {
  const t = new TransformStream<Uint8Array, Uint8Array>();
  return { readable: t.readable, writable: t.writable };
};

function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const family = parsePrometheus(text).find((f) => f.name === name);
  const metric = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  if (metric === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
  return Number(metric.value ?? metric.count);
}

describe("TunnelMetrics", () => {
  it("reports what happened, per endpoint and state, and parses as Prometheus text", async () => {
    const down = new Set<string>();
    const pool = new GuacdPool({
      endpoints: [
        { id: "g1", host: "h", port: 1 },
        { id: "g2", host: "h", port: 2 },
      ],
      connect: async (e) => {
        if (down.has(e.id)) throw new Error("refused");
        return pipe();
      },
      health: { fall: 1 },
    });
    const metrics = new TunnelMetrics({ pool });
    metrics.opened("g1", 0.004);
    metrics.opened("g1", 0.2);
    metrics.opened("g2", 3);
    metrics.closed("g1", 0);
    metrics.refused("TOKEN_REPLAYED", 0x0303);
    metrics.refused("TOKEN_REPLAYED", 0x0303);
    metrics.failed(0x0207);
    metrics.replayStoreError();
    metrics.registryCall("get", 0.002);
    metrics.registryCall("put", 0.3, new Error("down"));
    const live = { bytesToBrowser: 100, bytesToGuacd: 10 };
    const end = metrics.track(live);
    metrics.track({ bytesToBrowser: 1, bytesToGuacd: 2 }); // still open
    down.add("g2");
    await pool.check();
    pool.drain("g1");

    let text = metrics.render();
    expect(sample(text, "guacstream_tunnels_active", { endpoint: "g1", state: "draining" })).toBe(
      1,
    );
    expect(sample(text, "guacstream_tunnels_active", { endpoint: "g2", state: "down" })).toBe(1);
    expect(sample(text, "guacstream_guacd_endpoint_state", { endpoint: "g2", state: "down" })).toBe(
      1,
    );
    expect(sample(text, "guacstream_guacd_endpoint_state", { endpoint: "g2", state: "up" })).toBe(
      0,
    );
    expect(sample(text, "guacstream_tunnels_opened_total", { endpoint: "g1" })).toBe(2);
    expect(sample(text, "guacstream_tunnels_closed_total", { endpoint: "g1", status: "0" })).toBe(
      1,
    );
    expect(
      sample(text, "guacstream_tunnels_refused_total", { code: "TOKEN_REPLAYED", status: "771" }),
    ).toBe(2);
    expect(sample(text, "guacstream_tunnels_failed_total", { status: "519" })).toBe(1);
    expect(sample(text, "guacstream_replay_store_errors_total")).toBe(1);
    expect(sample(text, "guacstream_registry_errors_total", { operation: "put" })).toBe(1);
    const handshake = parsePrometheus(text).find((f) => f.name === "guacstream_handshake_seconds")!;
    expect(handshake.metrics[0]).toMatchObject({
      count: "3",
      buckets: expect.objectContaining({ "0.005": "1", "0.25": "2", "2.5": "2", "5": "3" }),
    });
    expect(sample(text, "guacstream_tunnel_bytes_total", { direction: "to_browser" })).toBe(101);

    live.bytesToBrowser += 900;
    live.bytesToGuacd += 90;
    end();
    end(); // once only
    text = metrics.render();
    expect(sample(text, "guacstream_tunnel_bytes_total", { direction: "to_browser" })).toBe(1001);
    expect(sample(text, "guacstream_tunnel_bytes_total", { direction: "to_guacd" })).toBe(102);
  });

  it("without a pool, open tunnels are reported per endpoint as up", () => {
    const metrics = new TunnelMetrics({ prefix: "b" });
    metrics.opened("default", 0.01);
    const text = metrics.render();
    expect(sample(text, "b_tunnels_active", { endpoint: "default", state: "up" })).toBe(1);
    expect(sample(text, "b_replay_store_errors_total")).toBe(0);
  });
});
