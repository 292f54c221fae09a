// npm run cluster:build | cluster:up | cluster:down
//   build  build (or reuse) the pinned binaries and extract helm + kubectl; prints their paths
//          (--real-node: also the real node's kubelet, kube-proxy, kube-router and pause)
//   up     start a cluster that keeps running (state in .data/cluster/state.json); prints KUBECONFIG
//   down   stop the cluster that `up` started, by the pids in its state file
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "@clawbox/shared/proc";
import { ensureBinaries, ensureNodeBinaries, ensureTools } from "./build.ts";
import { startCluster, stopFromState, type ClusterState } from "./cluster.ts";
import { upStateDir } from "./paths.ts";

const stateFile = () => join(upStateDir(), "state.json");

async function main(cmd: string | undefined): Promise<number> {
  switch (cmd) {
    case "build": {
      const force = process.argv.includes("--force");
      const tools = await ensureTools();
      const bin = await ensureBinaries({ force });
      console.log(`binaries: ${bin}`);
      if (process.argv.includes("--real-node")) console.log(`real node: ${await ensureNodeBinaries({ force })}`);
      console.log(`helm:     ${tools.helm}`);
      console.log(`kubectl:  ${tools.kubectl}`);
      return 0;
    }
    case "up": {
      if (existsSync(stateFile())) {
        const old = JSON.parse(readFileSync(stateFile(), "utf8")) as ClusterState;
        const apiserver = old.pids["kube-apiserver"];
        if (apiserver && isAlive(apiserver)) {
          console.error(`a cluster is already up (kube-apiserver pid ${apiserver}); run \`npm run cluster:down\` first`);
          console.log(`export KUBECONFIG=${old.kubeconfig}`);
          return 1;
        }
        await stopFromState(stateFile());
      }
      const c = await startCluster({ dataDir: upStateDir(), persistent: true });
      console.log(`cluster ready in ${c.readySeconds}s (API server ${c.server}, nodes ${c.nodes.join(", ")})`);
      console.log(`helm:    ${c.helm}`);
      console.log(`kubectl: ${c.kubectl}`);
      console.log(`logs:    ${join(c.dataDir, "logs")}`);
      console.log(`stop it: npm run cluster:down`);
      console.log(`export KUBECONFIG=${c.kubeconfig}`);
      return 0;
    }
    case "down": {
      const stopped = await stopFromState(stateFile());
      console.log(stopped ? "cluster stopped" : "no cluster is up (no .data/cluster/state.json)");
      return 0;
    }
    default:
      console.error("usage: node test/cluster/cli.ts build [--force] [--real-node] | up | down");
      return 2;
  }
}

process.exitCode = await main(process.argv[2]);
