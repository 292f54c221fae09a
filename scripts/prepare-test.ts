// Runs before `npm test`: installs what the integration tests need on this machine
// (Debian packages), so a fresh clone needs nothing installed by hand.
import { ensureSystemPackages } from "./system-packages.ts";

await ensureSystemPackages({ reason: "tests", required: true });
