// The API server for the real node's pods, as on any cluster: in-cluster clients (a Manager pod with
// its ServiceAccount token) dial the `kubernetes` Service (10.96.0.1:443, KUBERNETES_SERVICE_HOST).
// The test cluster's API server listens on 127.0.0.1 only and runs with
// --endpoint-reconciler-type=none (a loopback address is not a valid endpoint), so that Service has
// no endpoints. This gives it one: a TCP relay on the node's address (the pod bridge's gateway,
// reachable only from this host and its pods) to the API server's loopback port, and the Service's
// EndpointSlice pointing at it; kube-proxy does the rest. The serving certificate already names
// 10.96.0.1 and kubernetes.default.svc (pki.ts), so TLS verifies with the pod's ca.crt.
import { connect, createServer, type Socket } from "node:net";
import { kubectl } from "../cluster.ts";
import type { Log } from "../build.ts";
import { REAL_NODE_IP, type ClusterRef } from "./real-node.ts";

const SLICE = "kubernetes-real-node";

export interface ApiForPods {
  /** The relay's port on REAL_NODE_IP. */
  port: number;
  close(): Promise<void>;
}

export async function exposeApiServerToPods(cluster: ClusterRef, log: Log): Promise<ApiForPods> {
  const upstreamPort = Number(new URL(cluster.server).port);
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const up = connect(upstreamPort, "127.0.0.1");
    sockets.add(down).add(up);
    const done = () => {
      down.destroy();
      up.destroy();
      sockets.delete(down);
      sockets.delete(up);
    };
    down.on("error", done).on("close", done);
    up.on("error", done).on("close", done);
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, REAL_NODE_IP, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  kubectl(
    cluster.kubeconfig,
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: SLICE,
        namespace: "default",
        labels: { "kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "clawbox-test" },
      },
      addressType: "IPv4",
      endpoints: [{ addresses: [REAL_NODE_IP], conditions: { ready: true } }],
      ports: [{ name: "https", port, protocol: "TCP" }],
    }),
  );
  log(`API server for pods: Service default/kubernetes -> ${REAL_NODE_IP}:${port} -> 127.0.0.1:${upstreamPort}`);
  return {
    port,
    async close() {
      try {
        kubectl(cluster.kubeconfig, ["delete", "endpointslice", "-n", "default", SLICE, "--ignore-not-found"]);
      } catch {
        /* the cluster may be gone already */
      }
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
