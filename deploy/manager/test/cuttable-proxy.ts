/**
 * A TCP relay in front of the test cluster's API server that a test can cut: while cut, every
 * open connection is destroyed and new ones are refused, as when the API server is unreachable.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";

export interface CuttableProxy {
  /** A copy of `kubeconfig` whose server goes through the relay. */
  kubeconfig: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function cuttableApiServer(kubeconfigPath: string): Promise<CuttableProxy> {
  const kc = JSON.parse(readFileSync(kubeconfigPath, "utf8"));
  const target = new URL(kc.clusters[0].cluster.server);
  const sockets = new Set<Socket>();
  let port = 0;
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname.replace(/^\[|\]$/g, ""));
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  kc.clusters[0].cluster.server = `${target.protocol}//127.0.0.1:${port}`;
  const file = kubeconfigPath.replace(/(\.kubeconfig)?$/, `-relay-${port}.kubeconfig`);
  writeFileSync(file, JSON.stringify(kc), { mode: 0o600 });
  return { kubeconfig: file, cut, restore: listen, close: cut };
}
