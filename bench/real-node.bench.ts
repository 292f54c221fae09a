// node bench/real-node.bench.ts [--instances N]
// Create-to-running of instances on the test cluster's REAL node (containerd + runc, the gateway
// image built here from Dockerfile.gke), through the real Manager, N (default 2) one after another,
// against the local runtime's figure from bench/gateway.bench.ts. Needs root; the first run builds
// the node's binaries and the images (cached by content hash in ~/.cache/clawbox).
import { startCluster } from "../test/cluster/cluster.ts";
import { API_KEY } from "../deploy/manager/test/harness.ts";
import { startRealPodEnv } from "../deploy/manager/test/real-node-env.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("--instances", 2);
const auth = { authorization: `Bearer ${API_KEY}` };
const quiet = () => undefined;

const cluster = await startCluster({ log: quiet });
const t0 = performance.now();
const env = await startRealPodEnv(cluster, (line) => console.log(`  ${line}`));
try {
  console.log(`real node Ready in ${env.node.readySeconds.toFixed(1)} s (warm start; setup with images ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const seconds: number[] = [];
  for (let i = 0; i < N; i++) {
    const userId = `bench-real-${i}`;
    await env.provisionVolume(userId);
    const start = performance.now();
    const res = await env.manager.app.inject({ method: "POST", url: "/api/instances", headers: auth, payload: { userId } });
    if (res.statusCode !== 201) throw new Error(`create ${userId} -> ${res.statusCode} ${res.body}`);
    for (;;) {
      const s = (await env.manager.app.inject({ method: "GET", url: `/api/instances/${userId}`, headers: auth })).json() as { phase: string; message?: string };
      if (s.phase === "running") break;
      if (s.phase === "error") throw new Error(`${userId}: ${s.message}`);
      if (performance.now() - start > 600_000) throw new Error(`${userId} not running after 10 min`);
      await new Promise((r) => setTimeout(r, 500));
    }
    seconds.push((performance.now() - start) / 1000);
    console.log(`create -> running (real node, instance ${i + 1}/${N}): ${seconds.at(-1)!.toFixed(1)} s`);
    await env.manager.app.inject({ method: "DELETE", url: `/api/instances/${userId}?preservePvc=false`, headers: auth });
  }
  const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  console.log(`create -> running on the real node: mean ${mean.toFixed(1)} s over ${N} (local runtime: see "create -> running (local instance ...)" in gateway.bench.ts)`);
} finally {
  await env.close();
  await cluster.stop();
}
