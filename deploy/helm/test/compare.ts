// Field-by-field comparison of two sets of Kubernetes objects (plain JSON), reporting every path
// that differs, so a failing comparison says exactly which field of which object drifted.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Paths (`a.b[2].c`) where `left` and `right` differ, with both values. */
export function diffJson(left: Json | undefined, right: Json | undefined, path = ""): string[] {
  if (left === right) return [];
  const bothObjects =
    typeof left === "object" && left !== null && typeof right === "object" && right !== null && Array.isArray(left) === Array.isArray(right);
  if (!bothObjects) return [`${path || "(root)"}: ${JSON.stringify(left)} != ${JSON.stringify(right)}`];
  if (Array.isArray(left) && Array.isArray(right)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(left.length, right.length); i++) out.push(...diffJson(left[i], right[i], `${path}[${i}]`));
    return out;
  }
  const l = left as { [k: string]: Json };
  const r = right as { [k: string]: Json };
  const keys = [...new Set([...Object.keys(l), ...Object.keys(r)])].sort();
  return keys.flatMap((k) => diffJson(l[k], r[k], path ? `${path}.${k}` : k));
}

export interface Named {
  kind: string;
  metadata: { name: string };
}

const keyOf = (o: Named) => `${o.kind}/${o.metadata.name}`;

/** Every difference between two object sets, keyed by kind/name: missing objects and differing fields. */
export function diffObjectSets(left: Named[], right: Named[], names: [string, string] = ["left", "right"]): string[] {
  const l = new Map(left.map((o) => [keyOf(o), o]));
  const r = new Map(right.map((o) => [keyOf(o), o]));
  const out: string[] = [];
  for (const k of [...new Set([...l.keys(), ...r.keys()])].sort()) {
    if (!r.has(k)) out.push(`${k}: only in ${names[0]}`);
    else if (!l.has(k)) out.push(`${k}: only in ${names[1]}`);
    else out.push(...diffJson(l.get(k) as unknown as Json, r.get(k) as unknown as Json).map((d) => `${k}: ${d}`));
  }
  return out;
}
