#!/usr/bin/env node
// Seeds the gateway config, and on every later start re-applies the keys the platform owns.
//   node apply-managed-config.mjs <seed.json> <openclaw.json>
// The seed comes from the ConfigMap (Kubernetes) or the Manager (local runtime). A missing
// config is a copy of the seed. An existing one keeps everything the assistant or its user
// changed (channels, plugins, agents...), except MANAGED_PATHS, which are taken from the seed,
// or removed where the seed has none: that is how a model change or a new Telegram API root
// reaches an instance whose config already lives on its volume.
// Plain JS with no imports beyond node: it runs in the image before anything else.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";

const MANAGED_PATHS = [
  ["gateway"],
  ["logging"],
  ["models"],
  ["agents", "defaults", "model"],
  ["channels", "telegram", "apiRoot"],
  ["channels", "telegram", "network", "dangerouslyAllowPrivateNetwork"],
];

const [seedPath, configPath] = process.argv.slice(2);
if (!seedPath || !configPath) {
  console.error("usage: apply-managed-config.mjs <seed.json> <openclaw.json>");
  process.exit(2);
}
const log = (m) => console.log(`[entrypoint] ${m}`);
if (!existsSync(seedPath)) process.exit(0);
const seed = JSON.parse(readFileSync(seedPath, "utf8"));

if (!existsSync(configPath) || statSync(configPath).size === 0) {
  write(configPath, seed);
  log(`seeded config from ${seedPath}`);
  process.exit(0);
}

let config;
try {
  config = JSON.parse(readFileSync(configPath, "utf8"));
} catch {
  // OpenClaw writes JSON, but a person may have written JSON5 by hand: leave it alone.
  log(`warning: ${configPath} is not plain JSON; platform settings (model, Telegram API root) not re-applied`);
  process.exit(0);
}
const before = JSON.stringify(config);
for (const path of MANAGED_PATHS) {
  const value = get(seed, path);
  if (value === undefined) unset(config, path);
  else set(config, path, value);
}
if (JSON.stringify(config) !== before) {
  write(configPath, config);
  log("re-applied platform settings from the seed config");
}

function get(obj, path) {
  return path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}
function set(obj, path, value) {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== "object") o[k] = {};
    o = o[k];
  }
  o[path.at(-1)] = value;
}
function unset(obj, path) {
  const parent = get(obj, path.slice(0, -1));
  if (parent && typeof parent === "object") delete parent[path.at(-1)];
}
function write(file, value) {
  // Atomic: the gateway may read it while we write; 0600, it is next to credentials.
  const tmp = `${file}.clawbox-tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
