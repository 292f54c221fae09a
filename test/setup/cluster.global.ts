// Vitest globalSetup for the "cluster" project (and "real"): starts one real test cluster (etcd,
// kube-apiserver, controller-manager, scheduler, kwok) for the whole run and stops it at the end.
// Tests read `inject("kubeconfig")` (admin, system:masters); spawned tools also see KUBECONFIG.
import type { TestProject } from "vitest/node";
import { startCluster, type Cluster } from "../cluster/cluster.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin kubeconfig of the shared test cluster (client cert in group system:masters). */
    kubeconfig: string;
    /** Absolute paths of the pinned kubectl and helm (v4) binaries. */
    kubectlPath: string;
    helmPath: string;
    /** Names of the fake kwok Nodes. */
    clusterNodes: string[];
    /** The cluster's data dir (PKI, pid file) and API server URL: what a real node joins with (test/cluster/real-node). */
    clusterDataDir: string;
    clusterServer: string;
  }
}

let cluster: Cluster | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  cluster = await startCluster();
  process.env.KUBECONFIG = cluster.kubeconfig;
  process.env.CLAWBOX_KUBECTL = cluster.kubectl;
  process.env.CLAWBOX_HELM = cluster.helm;
  project.provide("kubeconfig", cluster.kubeconfig);
  project.provide("kubectlPath", cluster.kubectl);
  project.provide("helmPath", cluster.helm);
  project.provide("clusterNodes", cluster.nodes);
  project.provide("clusterDataDir", cluster.dataDir);
  project.provide("clusterServer", cluster.server);
  return async () => {
    await cluster?.stop();
    cluster = undefined;
  };
}
