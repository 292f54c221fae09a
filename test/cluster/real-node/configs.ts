// Config files of the real node's components, as plain text/JSON. The settings that matter on this
// kind of machine (cgroup v1 hybrid, no CAP_SYS_RESOURCE, no registry) are explained where set;
// see ../../../../shared/reference notes summarised in test/cluster/README.md ("The real node").

export interface NodeLayout {
  dir: string;
  containerdSock: string;
  containerdRoot: string;
  containerdState: string;
  cniConfDir: string;
  cniIpamDir: string;
  kubeletRoot: string;
  bridge: string;
  podCIDR: string;
}

export function containerdConfig(l: NodeLayout, sandboxImage: string): string {
  return `version = 2
root = "${l.containerdRoot}"
state = "${l.containerdState}"
# Only what the CRI needs; the snapshotters this host cannot use stay off (less noise in the log).
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${l.containerdSock}"

[ttrpc]
  address = "${l.containerdSock}.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "${l.dir}/containerd-opt"

[plugins."io.containerd.grpc.v1.cri"]
  # Built locally (test/images/pause-image.ts) and imported before kubelet starts: never pulled.
  sandbox_image = "${sandboxImage}"
  # This VM lacks CAP_SYS_RESOURCE: without this, runc's oom_score_adj -998 for the sandbox is
  # refused and every sandbox fails with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  enable_selinux = false
  enable_cdi = false
  max_container_log_line_size = 16384

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # Debian's runc; crun 1.8 fails on cgroup v1 hybrid hosts.
        BinaryName = "/usr/sbin/runc"
        # kubelet uses the cgroupfs driver (no systemd as init here).
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${l.cniConfDir}"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
`;
}

/**
 * A bridge with host-local IPAM on the project's own range. No IP masquerade: pod traffic is never
 * NATed to the host's address, and the egress guard (host.ts) rejects anything leaving the bridge.
 */
export function cniConfig(l: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: "0.4.0",
      name: "clawbox-real-node",
      plugins: [
        {
          type: "bridge",
          bridge: l.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: l.podCIDR }]],
            routes: [{ dst: "0.0.0.0/0" }],
            dataDir: l.cniIpamDir,
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(opts: {
  l: NodeLayout;
  caCert: string;
  /** Where the kubelet API listens: the node's InternalIP. */
  address: string;
  port: number;
  healthzPort: number;
  taint: { key: string; value: string; effect: string };
}): string {
  return JSON.stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      // Kubernetes 1.35+ refuses cgroup v1 unless told otherwise; this host is cgroup v1 hybrid.
      failCgroupV1: false,
      cgroupDriver: "cgroupfs",
      containerRuntimeEndpoint: `unix://${opts.l.containerdSock}`,
      address: opts.address,
      port: opts.port,
      readOnlyPort: 0,
      healthzBindAddress: "127.0.0.1",
      healthzPort: opts.healthzPort,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: false },
        x509: { clientCAFile: opts.caCert },
      },
      // The API server reaches the kubelet (logs, exec, port-forward) with a system:masters client cert.
      authorization: { mode: "AlwaysAllow" },
      registerNode: true,
      registerWithTaints: [opts.taint],
      // No host resolv.conf in pods: nothing in a test pod resolves names outside the test.
      resolvConf: "",
      clusterDomain: "cluster.local",
      failSwapOn: false,
      cgroupsPerQOS: true,
      enforceNodeAllocatable: ["pods"],
      // A shared machine's disk and memory are not this node's to guard: evict only in extremis.
      evictionHard: { "memory.available": "64Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%" },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      serializeImagePulls: false,
      nodeStatusUpdateFrequency: "5s",
      syncFrequency: "10s",
      maxPods: 30,
      rotateCertificates: false,
      serverTLSBootstrap: false,
      // Container logs with the node's other state, not in the host's /var/log/pods.
      podLogsDir: `${opts.l.dir}/pod-logs`,
      containerLogMaxSize: "10Mi",
      containerLogMaxFiles: 2,
      volumeStatsAggPeriod: "0s",
    },
    null,
    2,
  );
}
