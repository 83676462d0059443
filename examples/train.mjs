// A small data-parallel training loop that logs its provenance through the TypeScript API.
// Each rank fits y = 3x - 1 by SGD on its own shard of synthetic data (no external data needed).
//
//   npx prov4ml run -n 4 -- node examples/train.mjs          four local ranks
//   srun -n 4 npx prov4ml run -- node examples/train.mjs     one rank per Slurm task
import {
  Context,
  FoldOperation,
  endRun,
  logDataset,
  logMetric,
  logParam,
  logModel,
  registerFinalMetric,
  saveModelVersion,
  startRun,
} from '@prov4ml/agent';

const EPOCHS = Number(process.env.TRAIN_EPOCHS ?? 5);
const SAMPLES = Number(process.env.TRAIN_SAMPLES ?? 2000);
const BATCH = 50;
const LEARNING_RATE = 0.05;

await startRun({ provUserNamespace: 'www.example.org', experimentName: 'train_example', collectAllProcesses: true });
const rank = Number(process.env.PROV4ML_RANK ?? 0);

// A deterministic pseudo-random shard per rank, so every run logs the same numbers.
let seed = 12345 + rank;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const xs = Float64Array.from({ length: SAMPLES }, () => random() * 2 - 1);
const ys = xs.map((x) => 3 * x - 1 + (random() - 0.5) * 0.1);
const validationXs = Float64Array.from({ length: 200 }, () => random() * 2 - 1);

logParam('learning_rate', LEARNING_RATE);
logParam('batch_size', BATCH);
logParam('epochs', EPOCHS);
logDataset({ total_samples: SAMPLES, batch_size: BATCH, total_steps: SAMPLES / BATCH }, 'train_dataset');
registerFinalMetric('loss', Number.POSITIVE_INFINITY, FoldOperation.MIN);

const model = { weight: 0, bias: 0 };
let step = 0;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  for (let start = 0; start < SAMPLES; start += BATCH) {
    let gradWeight = 0;
    let gradBias = 0;
    let loss = 0;
    for (let i = start; i < start + BATCH; i++) {
      const error = model.weight * xs[i] + model.bias - ys[i];
      loss += error * error;
      gradWeight += 2 * error * xs[i];
      gradBias += 2 * error;
    }
    model.weight -= (LEARNING_RATE * gradWeight) / BATCH;
    model.bias -= (LEARNING_RATE * gradBias) / BATCH;
    logMetric('loss', loss / BATCH, Context.TRAINING, step++);
  }
  let validationLoss = 0;
  for (const x of validationXs) validationLoss += (model.weight * x + model.bias - (3 * x - 1)) ** 2;
  logMetric('val_loss', validationLoss / validationXs.length, Context.VALIDATION, epoch);
  await saveModelVersion(model, `model_epoch_${epoch}`, Context.TRAINING, epoch);
}
await logModel(model, 'model_final');
console.log(`rank ${rank}: weight=${model.weight.toFixed(3)} bias=${model.bias.toFixed(3)}`);
await endRun({ createGraph: true, createSvg: true });
