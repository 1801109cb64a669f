/** Free TCP ports for brokers started by end-to-end tests. */
import net from "node:net";

/**
 * Ask the kernel for a free port on 127.0.0.1 by binding port 0.
 * The port is released before returning, so a tiny race with other
 * processes exists; tests accept that for the sake of parallel safety.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: server.address() gave no TCP port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Try one TCP connection to host:port; resolves true if it was accepted. */
export function canConnect(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
