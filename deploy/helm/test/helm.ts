// Runs the pinned helm (v4, extracted by the test cluster's tooling) on the instance chart and
// parses what it prints. Shared by the chart tests in this folder.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ensureTools } from "../../../test/cluster/build.ts";
import { REPO_ROOT } from "../../../test/cluster/paths.ts";

export { REPO_ROOT };
export const CHART_DIR = join(REPO_ROOT, "deploy", "helm", "openclaw");
export const USER_EXAMPLE = join(REPO_ROOT, "deploy", "helm", "users", "user-example.yaml");
export const DEPLOY_USER = join(REPO_ROOT, "deploy", "scripts", "deploy-user.sh");

/** A Kubernetes object as plain JSON. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export async function helmPath(): Promise<string> {
  return (await ensureTools()).helm;
}

export async function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const r = spawnSync(await helmPath(), args, { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  valuesFiles?: string[];
  /** --set key=value pairs (typed by helm). */
  set?: Record<string, string>;
  /** --set-string key=value pairs. */
  setString?: Record<string, string>;
  release?: string;
  namespace?: string;
}

export function renderArgs(o: RenderOptions): string[] {
  const args = ["template", o.release ?? "test", CHART_DIR, "--namespace", o.namespace ?? "openclaw"];
  for (const f of o.valuesFiles ?? []) args.push("-f", f);
  for (const [k, v] of Object.entries(o.set ?? {})) args.push("--set", `${k}=${v}`);
  for (const [k, v] of Object.entries(o.setString ?? {})) args.push("--set-string", `${k}=${v}`);
  return args;
}

/** `helm template` of the chart; throws with helm's message when it refuses. */
export async function renderChart(o: RenderOptions): Promise<K8sObject[]> {
  const r = await helm(renderArgs(o));
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr}`);
  return parseObjects(r.stdout);
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`helm printed invalid YAML: ${d.errors[0]!.message}`);
      return d.toJSON() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export function byKind(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}
