import { conflict } from "@clawbox/shared";
import { maxIndex } from "./layout.ts";
import { listRecordFiles, readRecord } from "./store.ts";

/**
 * Picks an instance's index: its port block, X display and sandbox uid all follow from it
 * (layout.ts). The index an instance had before (a re-create after a delete that kept the data)
 * is reused when free; blocks of instances deleted with their data kept stay reserved for them.
 */
export function allocateIndex(dataDir: string, portBase: number, inUse: Iterable<number>, preferred?: number): number {
  const used = new Set(inUse);
  if (preferred !== undefined && !used.has(preferred)) return preferred;
  for (const f of listRecordFiles(dataDir)) {
    const r = readRecord(f);
    if (r) used.add(r.index);
  }
  for (let i = 0; i <= maxIndex(portBase); i++) if (!used.has(i)) return i;
  throw conflict("no free port block left for another local instance (raise LOCAL_PORT_BASE headroom or delete instances)");
}
