"""A small data-parallel training job that records its provenance with the original's API, using only
Python's standard library: each rank fits a logistic regression by gradient descent on its own shard
of generated data (no dataset to download, no numpy or torch needed).

    npx prov4ml run -n 4 -- python3 examples/train.py        four local ranks
    srun -n 4 npx prov4ml run -- python3 examples/train.py   one rank per Slurm task
    python3 examples/train.py                                 one process, no wrapper (after
                                                              pip install ./packages/agent/python)
"""

import json
import math
import os
import random
import tempfile

import prov4ml

EPOCHS = int(os.environ.get("TRAIN_EPOCHS", "20"))
SAMPLES = int(os.environ.get("TRAIN_SAMPLES", "1000"))
LEARNING_RATE = 0.5

# The true boundary the model has to find: 2*x1 - x2 + 0.3 > 0.
TRUE_WEIGHTS = (2.0, -1.0)
TRUE_BIAS = 0.3


def shard(rank, size):
    """A deterministic pseudo-random shard per rank, so every run logs the same numbers."""
    generator = random.Random(12345 + rank)
    points = []
    for _ in range(size):
        x = (generator.uniform(-1, 1), generator.uniform(-1, 1))
        margin = TRUE_WEIGHTS[0] * x[0] + TRUE_WEIGHTS[1] * x[1] + TRUE_BIAS + generator.gauss(0, 0.1)
        points.append((x, 1.0 if margin > 0 else 0.0))
    return points


def predict(weights, bias, x):
    z = weights[0] * x[0] + weights[1] * x[1] + bias
    return 1.0 / (1.0 + math.exp(-z))


def main():
    prov4ml.start_run(
        prov_user_namespace="www.example.org",
        experiment_name="train_py_example",
        provenance_save_dir="prov",
        collect_all_processes=True,
    )
    rank = int(os.environ.get("PROV4ML_RANK", "0"))
    train, validation = shard(rank, SAMPLES), shard(rank + 1000, SAMPLES // 5)
    prov4ml.log_param("learning_rate", LEARNING_RATE)
    prov4ml.log_param("epochs", EPOCHS)
    prov4ml.log_param("samples", SAMPLES)

    weights, bias, accuracy = [0.0, 0.0], 0.0, 0.0
    for epoch in range(EPOCHS):
        gradient, gradient_bias, loss = [0.0, 0.0], 0.0, 0.0
        for x, y in train:
            p = predict(weights, bias, x)
            loss -= y * math.log(max(p, 1e-12)) + (1 - y) * math.log(max(1 - p, 1e-12))
            gradient[0] += (p - y) * x[0]
            gradient[1] += (p - y) * x[1]
            gradient_bias += p - y
        weights = [w - LEARNING_RATE * g / len(train) for w, g in zip(weights, gradient)]
        bias -= LEARNING_RATE * gradient_bias / len(train)
        accuracy = sum((predict(weights, bias, x) > 0.5) == (y == 1.0) for x, y in validation) / len(validation)
        prov4ml.log_metric("loss", loss / len(train), prov4ml.Context.TRAINING, step=epoch)
        prov4ml.log_metric("accuracy", accuracy, prov4ml.Context.VALIDATION, step=epoch)
        prov4ml.log_system_metrics(prov4ml.Context.TRAINING, step=epoch)

    model_file = os.path.join(tempfile.mkdtemp(prefix="train_py_example-"), "model.json")
    with open(model_file, "w") as out:
        json.dump({"weights": weights, "bias": bias}, out)
    prov4ml.log_artifact(model_file, prov4ml.Context.TRAINING)
    print("rank %d: weights=%.3f,%.3f bias=%.3f accuracy=%.3f" % (rank, weights[0], weights[1], bias, accuracy))
    prov4ml.end_run(create_graph=True, create_svg=True)


if __name__ == "__main__":
    main()
