// `npm start`: the whole ClawBox platform on this machine with one command — the Manager
// (local runtime: real OpenClaw gateways), the App API (PGlite) and the web app on one origin.
// Ctrl-C / SIGTERM stops every process it started (each service runs in its own process group),
// and so does the death of the process that started it.
import { banner, createPlatform, platformSettings } from "./start/platform.ts";

const settings = platformSettings();
const platform = createPlatform(settings);
let stopping = false;

async function shutdown(code: number, why: string) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n[start] ${why}: stopping every service...\n`);
  await platform.stop();
  process.stdout.write("[start] stopped.\n");
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0, "Ctrl-C"));
process.on("SIGTERM", () => void shutdown(0, "SIGTERM"));
process.on("SIGHUP", () => void shutdown(0, "SIGHUP"));
// Whoever ran it (npm, a test runner) was killed without passing a signal on: nobody is left to
// stop the platform, so it stops by itself rather than run on unseen.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(1, "the process that started it is gone");
}, 2000).unref();

try {
  const running = await platform.start();
  process.stdout.write(banner(running, settings) + "\n");
  void running.serviceExited.then((name) => shutdown(1, `${name} exited unexpectedly`));
} catch (err) {
  if (!stopping) {
    process.stderr.write(`[start] ClawBox could not start: ${(err as Error).message}\n`);
    await shutdown(1, "start failed");
  }
}
