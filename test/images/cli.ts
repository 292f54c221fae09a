// npm run images:build [-- <name>...]: builds (or reuses, by content hash) the local base image and
// the repo's images with buildah; prints each image's ref and digest. Names: gateway (default),
// manager, api, all.
import { ensureSystemPackages, REAL_NODE_PACKAGES } from "../../scripts/system-packages.ts";
import { ensureBaseImage } from "./base-image.ts";
import { ensureImage, IMAGES } from "./dockerfile-image.ts";

const log = (line: string) => process.stderr.write(`[images] ${line}\n`);
const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const wanted = (names.includes("all") ? Object.keys(IMAGES) : names.length ? names : ["gateway"]) as (keyof typeof IMAGES)[];
for (const n of wanted) if (!(n in IMAGES)) throw new Error(`unknown image ${n}; known: ${Object.keys(IMAGES).join(", ")}`);

await ensureSystemPackages({ reason: "image builds", required: true, packages: REAL_NODE_PACKAGES });
const t0 = Date.now();
const base = await ensureBaseImage(log);
console.log(`${base.ref}  ${base.digest}`);
for (const n of wanted) {
  const rec = await ensureImage(IMAGES[n], log);
  console.log(`${rec.repo}@${rec.digest}  (${rec.ref}, ${rec.archive})`);
}
log(`done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
