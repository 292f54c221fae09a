import { createServer, type AddressInfo } from "node:net";

/**
 * A TCP port on 127.0.0.1 that nobody listens on right now (the kernel picks it). Free now, not
 * reserved: the caller binds it soon, and callers that bind much later reserve a block instead
 * (the tests' freePortBase).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
