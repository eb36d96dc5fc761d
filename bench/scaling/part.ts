import type { BenchRow } from "../report.ts";

export interface ScalingOptions {
  sizeBytes: number;
  seed: string;
  workDir: string;
  verbose: boolean;
}

export async function runScalingPart(_options: ScalingOptions): Promise<BenchRow[]> {
  throw new Error("scaling: waiting for the BullMQ executor and `ctr worker`");
}
