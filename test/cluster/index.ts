// Public API of the test cluster, for other tests and scripts.
export { ensureAll, ensureBinaries, ensureTools, readBuildHistory, coldBuild } from "./build.ts";
export { kubectl, startCluster, stopFromState, DEFAULT_POD_CIDR, SERVICE_CIDR } from "./cluster.ts";
export type { Cluster, ClusterState, StartOptions } from "./cluster.ts";
export { binaryPath, cacheRoot, toolPath } from "./paths.ts";
export type { Tool } from "./paths.ts";
export { kubeconfigForServiceAccount } from "./service-account.ts";
export type { ServiceAccountKubeconfig } from "./service-account.ts";
export { failPod, POD_ANNOTATIONS } from "./pod-behaviour.ts";
export type { PodFailure } from "./pod-behaviour.ts";
