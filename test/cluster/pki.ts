// Per-cluster PKI: a throwaway CA, the API server's serving cert, client certs for the admin and
// the control-plane components (made with the openssl CLI), and the ServiceAccount signing key.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ClientCert {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saPublicKey: string;
  saPrivateKey: string;
  clients: Record<"admin" | "controllerManager" | "scheduler" | "kwok", ClientCert>;
}

const CLIENTS = {
  // system:masters: cluster-admin without RBAC checks, like kind's admin kubeconfig.
  admin: "/O=system:masters/CN=clawbox-admin",
  controllerManager: "/CN=system:kube-controller-manager",
  scheduler: "/CN=system:kube-scheduler",
  kwok: "/O=system:masters/CN=kwok",
} as const;

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, OPENSSL_CONF: join(dir, "openssl.cnf") },
  });
}

function ecCert(dir: string, name: string, subject: string, ext: string[], ca?: { cert: string; key: string }): void {
  openssl(dir, [
    "req",
    "-x509",
    "-config",
    "openssl.cnf",
    ...(ca ? ["-CA", ca.cert, "-CAkey", ca.key] : []),
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "30",
    "-subj",
    subject,
    ...ext.flatMap((e) => ["-addext", e]),
  ]);
}

export function createPki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  // A minimal config, so no distro default extensions (basicConstraints CA:TRUE) leak into leaf certs.
  writeFileSync(join(dir, "openssl.cnf"), "[req]\ndistinguished_name=dn\n[dn]\n");
  ecCert(dir, "ca", "/CN=clawbox-test-cluster-ca", [
    "basicConstraints=critical,CA:TRUE",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
  const ca = { cert: "ca.crt", key: "ca.key" };
  ecCert(
    dir,
    "apiserver",
    "/CN=kube-apiserver",
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1",
    ],
    ca,
  );
  const clients = {} as Pki["clients"];
  for (const [name, subject] of Object.entries(CLIENTS) as [keyof typeof CLIENTS, string][]) {
    ecCert(
      dir,
      name,
      subject,
      ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"],
      ca,
    );
    clients[name] = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  }
  // ServiceAccount token signing key (ES256), one per cluster.
  const sa = generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  writeFileSync(join(dir, "sa.pub"), sa.publicKey);
  writeFileSync(join(dir, "sa.key"), sa.privateKey, { mode: 0o600 });
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "apiserver.crt"),
    serverKey: join(dir, "apiserver.key"),
    saPublicKey: join(dir, "sa.pub"),
    saPrivateKey: join(dir, "sa.key"),
    clients,
  };
}

/** A kubeconfig (JSON, which every YAML reader accepts) with the cert and key embedded. */
export function clientCertKubeconfig(opts: { server: string; caCert: string; client: ClientCert; user: string }): string {
  const b64 = (p: string) => readFileSync(p).toString("base64");
  return kubeconfigJson({
    server: opts.server,
    caData: b64(opts.caCert),
    user: opts.user,
    userEntry: { "client-certificate-data": b64(opts.client.cert), "client-key-data": b64(opts.client.key) },
  });
}

export function kubeconfigJson(opts: {
  server: string;
  caData: string;
  user: string;
  userEntry: Record<string, string>;
  namespace?: string;
}): string {
  const cfg = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "clawbox-test", cluster: { server: opts.server, "certificate-authority-data": opts.caData } }],
    users: [{ name: opts.user, user: opts.userEntry }],
    contexts: [
      {
        name: `${opts.user}@clawbox-test`,
        context: { cluster: "clawbox-test", user: opts.user, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
      },
    ],
    "current-context": `${opts.user}@clawbox-test`,
    preferences: {},
  };
  return JSON.stringify(cfg, null, 2) + "\n";
}

/**
 * A client certificate from the cluster's CA (the real node's kubelet, kube-proxy and kube-router
 * identities, e.g. `/O=system:nodes/CN=system:node:real-node-0`), written next to the CA.
 */
export function issueClientCert(pkiDir: string, name: string, subject: string): ClientCert {
  ecCert(
    pkiDir,
    name,
    subject,
    ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"],
    { cert: "ca.crt", key: "ca.key" },
  );
  return { cert: join(pkiDir, `${name}.crt`), key: join(pkiDir, `${name}.key`) };
}
