// Assertions on what examples/pytorch/ddp_train.py recorded on every rank: its loss curve, its
// validation loss, its model versions, and that the curve's last point is the loss the rank printed.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertRankDocuments, onlyRunDirOf, parameterOf, type ExpectedRank } from './rank-documents.js';

/** The example's defaults (its --epochs, --samples, --batch-size). */
const EPOCHS = 2;
const SAMPLES = 1024;
const BATCH_SIZE = 16;

/** The defaults given as arguments, as users pass theirs: numbers after `prov4ml run --` stay the program's words. */
export const DDP_DEFAULT_ARGUMENTS = ['--epochs', String(EPOCHS), '--samples', String(SAMPLES), '--batch-size', String(BATCH_SIZE)];

/** Optimiser steps each rank takes: DistributedSampler gives it ⌈samples / ranks⌉ samples per epoch. */
export function ddpStepsPerRank(worldSize: number): number {
  return EPOCHS * Math.ceil(Math.ceil(SAMPLES / worldSize) / BATCH_SIZE);
}

interface Series {
  steps: number[];
  values: number[];
}

function readSeries(path: string): Series {
  const [header, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(header, 'step,value,timestamp_ms', `${path}: header`);
  const cells = rows.map((row) => row.split(','));
  return { steps: cells.map(([step]) => Number(step)), values: cells.map(([, value]) => Number(value)) };
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** "rank R/W: S steps, final loss X" lines the example printed, by rank. */
function printedFinalLosses(output: string): Map<number, { steps: number; loss: number }> {
  const printed = new Map<number, { steps: number; loss: number }>();
  for (const match of output.matchAll(/^rank (\d+)\/\d+: (\d+) steps, final loss (\S+)$/gm)) {
    printed.set(Number(match[1]), { steps: Number(match[2]), loss: Number(match[3]) });
  }
  return printed;
}

/**
 * Every rank's loss curve has one point per step, all finite and positive, falling from the first
 * epoch to the last, and ends exactly at the loss the rank printed; validation loss once per epoch;
 * the world size parameter; a model version per epoch and the final model in the rank's artifacts.
 */
function assertLossCurves(runDir: string, experiment: string, worldSize: number, output: string): void {
  const steps = ddpStepsPerRank(worldSize);
  const printed = printedFinalLosses(output);
  assert.deepEqual([...printed.keys()].sort(), Array.from({ length: worldSize }, (_, rank) => rank), `every rank printed its final loss:\n${output}`);
  for (let rank = 0; rank < worldSize; rank++) {
    const where = `rank ${rank}`;
    const loss = readSeries(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`));
    assert.deepEqual(loss.steps, Array.from({ length: steps }, (_, step) => step), `${where}: loss steps`);
    assert.ok(loss.values.every((value) => Number.isFinite(value) && value > 0), `${where}: losses are positive numbers`);
    const epochLength = steps / EPOCHS;
    const firstEpoch = mean(loss.values.slice(0, epochLength));
    const lastEpoch = mean(loss.values.slice(-epochLength));
    assert.ok(lastEpoch < firstEpoch, `${where}: the loss falls (first epoch ${firstEpoch}, last ${lastEpoch})`);
    assert.deepEqual(printed.get(rank), { steps, loss: loss.values.at(-1) }, `${where}: the curve ends at the printed loss`);
    assert.deepEqual(readSeries(join(runDir, 'metrics', `val_loss_VALIDATION_GR${rank}.csv`)).steps, [0, 1], `${where}: validation steps`);
    assert.deepEqual(parameterOf(runDir, experiment, rank, 'world_size'), { $: String(worldSize), type: 'xsd:long' }, `${where}: world_size`);
    for (const model of ['mlp_epoch_0.pth', 'mlp_epoch_1.pth', 'mlp_final.pth']) {
      assert.ok(statSync(join(runDir, 'artifacts', `GR${rank}`, model)).size > 0, `${where}: ${model} stored`);
    }
  }
}

/** A job whose ranks ran the DDP example: checks every rank's document and loss curve. */
export function assertDdpRun(saveDir: string, experiment: string, expected: ExpectedRank[], output: string): string {
  const runDir = onlyRunDirOf(saveDir, experiment);
  assertRankDocuments(runDir, experiment, expected);
  assertLossCurves(runDir, experiment, expected.length, output);
  return runDir;
}
