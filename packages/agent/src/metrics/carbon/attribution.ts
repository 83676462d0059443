import type { CarbonAttributionRecord } from '@prov4ml/prov-core';
import type { GpuTool } from '../gpu/device.js';
import type { CarbonIntensity } from './intensity.js';

/** Which energy a rank records, so that a node's energy is counted once however many ranks it runs. */
export interface CarbonAttributionPlan {
  /** The node's CPU and RAM energy: only local rank 0, which runs the NodeEnergyMeter. */
  recordsNodeEnergy: boolean;
  /**
   * The energy of the GPUs the rank sees: every rank when the launcher gave it its own device list
   * (CUDA_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES); otherwise every rank sees every GPU, so only local
   * rank 0 records them, once.
   */
  recordsGpuEnergy: boolean;
}

export function planCarbonAttribution(input: { localRank: number; hasGpuList: boolean }): CarbonAttributionPlan {
  const isNodeMeter = input.localRank === 0;
  return { recordsNodeEnergy: isNodeMeter, recordsGpuEnergy: input.hasGpuList || isNodeMeter };
}

export interface AttributionFacts {
  plan: CarbonAttributionPlan;
  hostname: string;
  /** The node meter's methods; null on ranks that do not run it. */
  node: { cpuMethod: string; ramMethod: string } | null;
  gpuTool: GpuTool | null;
  gpuCount: number;
  /** The variable that chose the rank's GPUs, or null when none did. */
  gpuListVariable: 'CUDA_VISIBLE_DEVICES' | 'ROCR_VISIBLE_DEVICES' | null;
}

/** One paragraph, for the rank's document, saying what energy it holds and how it was computed. */
export function describeCarbonAttribution(facts: AttributionFacts): string {
  const { plan, hostname } = facts;
  const noList = 'no CUDA_VISIBLE_DEVICES or ROCR_VISIBLE_DEVICES assigns GPUs to ranks';
  if (!plan.recordsNodeEnergy && !plan.recordsGpuEnergy) {
    return `This rank records no energy: the CPU, RAM and GPU energy of host ${hostname} is recorded once, in local rank 0's document (${noList}).`;
  }
  const parts: string[] = [];
  if (plan.recordsNodeEnergy && facts.node !== null) {
    parts.push(`Node energy of host ${hostname}, measured once by local rank 0 and recorded only in this document: ${facts.node.cpuMethod}; ${facts.node.ramMethod}.`);
  } else {
    parts.push(`CPU and RAM energy of host ${hostname} is recorded once, in local rank 0's document, not here.`);
  }
  if (plan.recordsGpuEnergy) parts.push(gpuPart(facts, noList));
  return parts.join(' ');
}

function gpuPart(facts: AttributionFacts, noList: string): string {
  if (facts.gpuTool === null || facts.gpuCount === 0) return 'GPU energy: none (no GPU visible to this rank).';
  const integration = `${facts.gpuTool} power draw integrated over time (trapezoid rule)`;
  if (facts.gpuListVariable === null) return `GPU energy: all ${facts.gpuCount} GPU(s) of the node (${noList}), ${integration}.`;
  return (
    `GPU energy: this rank's ${facts.gpuCount} GPU(s) chosen by ${facts.gpuListVariable}, ${integration}; ` +
    'each rank records its own GPUs, which assumes the launcher gave ranks disjoint devices (MIG instances share their GPU\'s power).'
  );
}

export function carbonAttributionRecord(method: string, intensity: CarbonIntensity, time: number): CarbonAttributionRecord {
  return {
    kind: 'carbon_attribution',
    time,
    method,
    countryIso: intensity.countryIso,
    region: intensity.region,
    carbonIntensityGPerKWh: intensity.gPerKWh,
    intensitySource: intensity.source,
  };
}
