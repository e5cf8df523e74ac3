// A TLS echo server that demands a client certificate, for the shared suite's mutual-TLS test.
// Both harnesses use it: Deno.listenTls cannot ask for a client certificate, but Deno's node:tls
// can, so the same server serves the Node and the Deno transport.
import type { AddressInfo } from "node:net";
import { createServer } from "node:tls";
import type { MutualTlsServer } from "./harness.ts";

/** Listens on 127.0.0.1, port 0, trusting exactly `certificate` on both sides. */
export async function startMutualTlsEchoServer(certificate: {
  cert: string;
  key: string;
}): Promise<MutualTlsServer> {
  const server = createServer({
    cert: certificate.cert,
    key: certificate.key,
    ca: [certificate.cert],
    requestCert: true,
    rejectUnauthorized: true,
  });
  let accepted = 0;
  let peerSubject: string | undefined;
  server.on("connection", () => accepted++);
  server.on("secureConnection", (socket) => {
    peerSubject = String(socket.getPeerCertificate().subject?.CN);
    socket.pipe(socket);
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    host: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    peerSubject: () => peerSubject,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
