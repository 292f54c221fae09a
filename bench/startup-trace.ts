/**
 * Where one gateway start went, from OpenClaw's start-up trace (OPENCLAW_GATEWAY_STARTUP_TRACE=1:
 * "startup trace: <step> <ms>ms total=<ms since the gateway process started>ms ...") in the
 * instance's gateway log, plus what happened before and after the gateway process: the Manager's
 * preparation, the sandbox, the entrypoint and OpenClaw's launcher; then the probe that sees it.
 * Nested steps overlap; the top-level ones below do not (ARCHITECTURE of the trace:
 * cli/gateway/restart-and-supervision.md in OpenClaw's docs).
 */
export type Steps = Record<string, number>;

interface TraceLine {
  name: string;
  ms?: number;
  total?: number;
  start?: number;
  at?: number;
  fields: Record<string, number>;
}

function parse(segment: string): TraceLine[] {
  const out: TraceLine[] = [];
  for (const line of segment.split("\n")) {
    const m = /^(?:(\S+) )?\[gateway\] startup trace: (\S+)(?: ([\d.]+)ms)?(.*)$/.exec(line);
    if (!m || m[2]!.startsWith("process.bootstrap.")) continue;
    const fields: Record<string, number> = {};
    for (const f of m[4]!.matchAll(/(\w+)=([\d.]+)(?:ms)?/g)) fields[f[1]!] = Number(f[2]);
    const at = m[1] ? Date.parse(m[1]) : NaN;
    out.push({ name: m[2]!, ms: m[3] ? Number(m[3]) : undefined, total: fields.total, start: fields.start, at: Number.isNaN(at) ? undefined : at, fields });
  }
  return out;
}

/**
 * The last start in `log` (the log appends across restarts), split into steps (ms).
 * `t0`/`tRunning`: wall clock of the create/restart call and of the `running` phase.
 */
export function gatewaySteps(log: string, t0: number, tRunning: number): Steps {
  const segment = log.split("[entrypoint] starting gateway").at(-1) ?? "";
  const lines = parse(segment);
  const first = (name: string) => lines.find((l) => l.name === name);
  const ready = first("ready");
  const bootstrap = first("cli.main.gateway-run-bootstrap");
  const bound = first("http.bound");
  const postBind = first("plugins.runtime-post-bind");
  const sidecars = first("sidecars.total");
  if (!ready?.total || ready.at === undefined || !bootstrap?.start || bootstrap.ms === undefined || !bound?.total) return {};
  const processStart = ready.at - ready.total;
  const bootstrapEnd = bootstrap.start + bootstrap.ms;
  const steps: Steps = {
    "before the gateway process (Manager, sandbox, entrypoint, launcher)": processStart - t0,
    "gateway: Node start + CLI imports": bootstrap.start,
    "gateway: bootstrap (config, migrations, plugin plan)": bootstrap.ms,
    "  of which legacy state migrations": first("cli.bootstrap.legacy-state-migrations")?.ms ?? 0,
    "gateway: server imports, config, plugin auto-enable -> HTTP bound": bound.total - bootstrapEnd,
    "  of which config snapshot + plugin auto-enable": first("config.snapshot")?.ms ?? 0,
    "  of which worker-environments import": first("worker-environments.store-import")?.ms ?? 0,
    "gateway: plugin loading": postBind?.ms ?? 0,
    "  of which WhatsApp plugin": first("plugins.gateway-load.plugin.whatsapp")?.fields.loadAndRegisterMs ?? 0,
    "gateway: sidecars (model runtime, channels, services)": sidecars?.ms ?? 0,
  };
  const counted = bound.total + (postBind?.ms ?? 0) + (sidecars?.ms ?? 0);
  steps["gateway: rest until ready"] = Math.max(0, ready.total - counted);
  steps["gateway process total to ready"] = ready.total;
  steps["ready -> `running` (probe)"] = tRunning - ready.at;
  for (const k of Object.keys(steps)) steps[k] = Math.round(steps[k]!);
  return steps;
}
