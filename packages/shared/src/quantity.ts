/**
 * Kubernetes resource quantities ("250m", "512Mi", "1", "1.5G"), parsed far enough to validate
 * a POST before anything is written: the API server would reject a bad one only at the Deployment,
 * after the Secret, ConfigMap and PVC were already applied.
 */
import { QUANTITY_PATTERN } from "./contract/instance-api.ts";

const QUANTITY = new RegExp(QUANTITY_PATTERN);
const FACTORS: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Value in base units (cores, bytes), or null when not a valid quantity. */
export function parseQuantity(q: string): number | null {
  const m = QUANTITY.exec(q);
  if (!m) return null;
  return Number(m[1]) * (FACTORS[m[2] ?? ""] ?? 1);
}
