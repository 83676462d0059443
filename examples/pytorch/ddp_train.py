"""PyTorch DistributedDataParallel training that records its provenance with the prov4ml Python client.

A small MLP learns a fixed random linear map from synthetic data, on CPU with the gloo backend, so it
runs in seconds on a laptop or a 2-core CI machine. Run it one rank per process under the wrapper:

    srun -n 4 prov4ml run -- python3 examples/pytorch/ddp_train.py          (MASTER_ADDR/PORT set, see ddp_train.sbatch)
    prov4ml run -- torchrun --nproc_per_node 2 examples/pytorch/ddp_train.py
    sbatch examples/pytorch/ddp_train.sbatch

Every rank logs its own loss per step (collect_all_processes=True), so the run directory holds one loss
curve per rank. The experiment name and save directory come from PROV4ML_* variables when set.
"""

import argparse
import os
import sys

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import prov4ml

#: (rank, world size) variables of the launchers this example supports, first match wins. The rank
#: must come from the launcher that started this process: under torchrun every task of the srun step
#: around it still sees its own SLURM_PROCID.
LAUNCHER_VARIABLES = (
    ("RANK", "WORLD_SIZE"),  # torchrun
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),  # Open MPI's mpirun
    ("PMI_RANK", "PMI_SIZE"),  # MPICH's mpiexec
    ("SLURM_PROCID", "SLURM_NTASKS"),  # srun
)
INPUT_FEATURES = 16
HIDDEN_UNITS = 32
OUTPUT_FEATURES = 4


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=1024, help="training samples, split between the ranks")
    parser.add_argument("--batch-size", type=int, default=16, help="per rank")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def rank_and_world_size():
    for rank_variable, size_variable in LAUNCHER_VARIABLES:
        if rank_variable in os.environ and size_variable in os.environ:
            return int(os.environ[rank_variable]), int(os.environ[size_variable])
    return 0, 1


def synthetic_data(samples, validation_samples, seed):
    """Training and validation sets of y = x·W + noise for one random W; every rank builds the same
    sets from the same seed, and DistributedSampler gives each rank its share."""
    generator = torch.Generator().manual_seed(seed)
    weights = torch.randn(INPUT_FEATURES, OUTPUT_FEATURES, generator=generator)

    def draw(count):
        inputs = torch.randn(count, INPUT_FEATURES, generator=generator)
        return TensorDataset(inputs, inputs @ weights + 0.01 * torch.randn(count, OUTPUT_FEATURES, generator=generator))

    return draw(samples), draw(validation_samples)


def main():
    arguments = parse_arguments()
    rank, world_size = rank_and_world_size()
    # One thread per rank: several ranks share few cores, and oversubscribed threads slow everyone down.
    torch.set_num_threads(1)
    torch.manual_seed(arguments.seed)
    # Without torchrun nobody set these; a single-node run then rendezvouses on this host.
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    dist.init_process_group("gloo", rank=rank, world_size=world_size)

    prov4ml.start_run(collect_all_processes=True)
    prov4ml.log_param("epochs", arguments.epochs)
    prov4ml.log_param("samples", arguments.samples)
    prov4ml.log_param("batch_size", arguments.batch_size)
    prov4ml.log_param("learning_rate", arguments.lr)
    prov4ml.log_param("world_size", world_size)
    prov4ml.log_param("backend", "gloo")

    train_set, validation_set = synthetic_data(arguments.samples, arguments.samples // 4, arguments.seed)
    sampler = DistributedSampler(train_set, num_replicas=world_size, rank=rank, shuffle=True, seed=arguments.seed)
    train_loader = DataLoader(train_set, batch_size=arguments.batch_size, sampler=sampler)
    prov4ml.log_dataset(train_loader, "train_dataset")

    model = DistributedDataParallel(nn.Sequential(nn.Linear(INPUT_FEATURES, HIDDEN_UNITS), nn.Tanh(), nn.Linear(HIDDEN_UNITS, OUTPUT_FEATURES)))
    optimizer = torch.optim.SGD(model.parameters(), lr=arguments.lr)
    loss_function = nn.MSELoss()
    prov4ml.register_final_metric("loss", float("inf"), prov4ml.FoldOperation.MIN)

    step = 0
    loss = None
    for epoch in range(arguments.epochs):
        sampler.set_epoch(epoch)
        model.train()
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = loss_function(model(inputs), targets)
            loss.backward()  # DDP averages the gradients of all ranks here
            optimizer.step()
            prov4ml.log_metric("loss", loss, prov4ml.Context.TRAINING, step=step)
            step += 1
        model.eval()
        with torch.no_grad():
            validation_loss = loss_function(model(validation_set.tensors[0]), validation_set.tensors[1])
        prov4ml.log_metric("val_loss", validation_loss, prov4ml.Context.VALIDATION, step=epoch)
        prov4ml.save_model_version(model.module, "mlp_epoch_%d" % epoch, prov4ml.Context.TRAINING, step=epoch)

    prov4ml.log_model(model.module, "mlp_final")
    # One write per line: several ranks share the job's output.
    sys.stdout.write("rank %d/%d: %d steps, final loss %r\n" % (rank, world_size, step, loss.item()))
    prov4ml.end_run()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
